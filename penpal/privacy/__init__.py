"""Privacy self-service: export, forget, retention, and one reader across channels.

No Rasa imports: Rasa's tracker store is reached through plain SQL
(see :mod:`penpal.privacy.tracker`).
"""

from penpal.privacy.erasure import ErasureReport, forget_conversation, forget_reader
from penpal.privacy.export import UnknownReader, export_reader, summary_lines
from penpal.privacy.linking import LinkResult, LinkStatus, complete_link, start_link, unlink
from penpal.privacy.links import create_export_link, export_for_token
from penpal.privacy.lookup import reader_id_for
from penpal.privacy.retention import PurgeReport, purge_expired
from penpal.privacy.tracker import (
    erase_conversations,
    purge_conversation_history,
    tracker_store_url,
)

__all__ = [
    "ErasureReport",
    "LinkResult",
    "LinkStatus",
    "PurgeReport",
    "UnknownReader",
    "complete_link",
    "create_export_link",
    "erase_conversations",
    "export_for_token",
    "export_reader",
    "forget_conversation",
    "forget_reader",
    "purge_conversation_history",
    "purge_expired",
    "reader_id_for",
    "start_link",
    "summary_lines",
    "tracker_store_url",
    "unlink",
]
