"""The writer's catalogue: importing feeds and files, keeping them in sync, its topics."""

from penpal.catalog.errors import ImportFailed
from penpal.catalog.importer import import_file, import_source, import_url, read_records
from penpal.catalog.lookup import topic_lookup_yaml, write_topic_lookup
from penpal.catalog.queries import catalog_items, topics_in_catalog
from penpal.catalog.records import Defaults, ItemRecord, RawEntry, Rejection, build_records
from penpal.catalog.state import FeedCheck, feed_check
from penpal.catalog.store import CatalogImportSummary, store_records
from penpal.catalog.sync import FeedResult, sync_feeds

__all__ = [
    "CatalogImportSummary",
    "Defaults",
    "FeedCheck",
    "FeedResult",
    "ImportFailed",
    "ItemRecord",
    "RawEntry",
    "Rejection",
    "build_records",
    "catalog_items",
    "feed_check",
    "import_file",
    "import_source",
    "import_url",
    "read_records",
    "store_records",
    "sync_feeds",
    "topic_lookup_yaml",
    "topics_in_catalog",
    "write_topic_lookup",
]
