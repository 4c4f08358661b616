"""leadimport: lead spreadsheets into the Vox CRM, every good lead exactly once."""

__version__ = "0.1.0"
