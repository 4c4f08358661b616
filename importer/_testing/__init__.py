"""Crash points the tests use to stop a run at a chosen step (never active unless asked for)."""
