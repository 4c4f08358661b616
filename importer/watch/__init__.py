"""The drop-folder watcher: ``leadimport watch INBOX`` imports whatever lands in a folder, exactly once."""

from importer.watch.inbox import Watcher, WatchSettings
from importer.watch.notify import NotifySettings
from importer.watch.status import inbox_status

__all__ = ["NotifySettings", "WatchSettings", "Watcher", "inbox_status"]
