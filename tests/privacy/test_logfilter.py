"""Personal data stays out of INFO+ logs; DEBUG keeps it for a developer.

Rasa's, Sanic's and the console's lines are made by their own code in a
subprocess, so that installing the filter there (it changes the process's
logging for good) leaves this test process alone.
"""

import ast
import inspect
import json
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from rasa.utils import log_utils
from sqlalchemy import Column, Integer, MetaData, String, Table, UniqueConstraint, update

from penpal.config import HandoffSettings
from penpal.contact import parse_contact
from penpal.db import Database, upgrade
from penpal.db.models import NewsletterSubscription
from penpal.handoff import HandoffDesk, Turn
from penpal.logfilter import PERSONAL_SLOTS, RedactPersonalData, personal, redact
from penpal.notify import WriterNotifier
from penpal.privacy import reader_id_for
from tests.newsletter.support import ApiServer
from tests.privacy.people import ZEPHYRINE, add_catalogue, populate
from tests.privacy.scan import traces

PROJECT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
log = logging.getLogger("penpal.test")
EMAIL, PHONE = "anna.b+books@example.org", "+49 30 123-4567"
NAME = ZEPHYRINE.name
ZQ_EMAIL, ZQ_PHONE = ZEPHYRINE.email, "+44 7700 900123"
ZQ_TRACES = [*NAME.split(), ZQ_EMAIL, ZQ_PHONE, "7700900123", "900123"]


@pytest.fixture
def redacting(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.DEBUG)
    redactor = RedactPersonalData()
    caplog.handler.addFilter(redactor)
    yield
    caplog.handler.removeFilter(redactor)


def run_python(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``script`` in a fresh interpreter of the project's venv; its stdout and stderr."""
    done = subprocess.run(
        [sys.executable, "-c", script, *args], cwd=PROJECT, capture_output=True, text=True,
        timeout=120, env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
    )
    assert done.returncode == 0, done.stderr
    return done


@pytest.mark.parametrize("level", [logging.INFO, logging.WARNING, logging.ERROR])
def test_emails_and_phones_are_redacted_at_info_and_above(
    caplog: pytest.LogCaptureFixture, redacting: None, level: int
) -> None:
    log.log(level, f"reply to {EMAIL} or call {PHONE} today")
    log.log(level, "reply to %s or call %s", EMAIL, PHONE)
    log.log(level, "reader %s asked", personal("Anna Quill"))

    assert caplog.messages == [
        "reply to [redacted] or call [redacted] today",
        "reply to [redacted] or call [redacted]",
        "reader [redacted] asked",
    ]
    assert EMAIL not in caplog.text and "Anna" not in caplog.text


def test_debug_records_keep_them(caplog: pytest.LogCaptureFixture, redacting: None) -> None:
    log.debug("reply to %s or call %s", EMAIL, PHONE)
    log.debug("reader %s asked", personal("Anna Quill"))

    assert caplog.messages == [f"reply to {EMAIL} or call {PHONE}", "reader Anna Quill asked"]


def test_tracebacks_are_redacted(caplog: pytest.LogCaptureFixture, redacting: None) -> None:
    try:
        raise ValueError(f"duplicate key: {EMAIL}")
    except ValueError:
        log.exception("could not subscribe")

    assert "duplicate key: [redacted]" in caplog.text and EMAIL not in caplog.text
    assert caplog.records[0].exc_info is None  # no formatter can render it whole again


def test_a_database_error_shows_no_values(
    caplog: pytest.LogCaptureFixture, redacting: None, db: Database
) -> None:
    """SQLAlchemy prints the row's values, and PostgreSQL the duplicate key's."""
    signups = Table("test_signups", MetaData(), Column("id", Integer, primary_key=True),
                    Column("name", String(80)), UniqueConstraint("name", name="uq_test_name"))
    signups.create(db.engine)
    try:
        with db.engine.begin() as connection:
            connection.execute(signups.insert(), [{"name": NAME}, {"name": NAME}])
    except Exception:
        log.exception("events: RSVP failed")
    finally:
        signups.drop(db.engine)

    assert "[parameters: [redacted]]" in caplog.text and "INSERT INTO test_signups" in caplog.text
    if db.url.startswith("postgresql"):
        assert "Key (name)=([redacted]) already exists" in caplog.text
    assert "Zephyrine" not in caplog.text


def test_extra_fields_are_redacted(caplog: pytest.LogCaptureFixture, redacting: None) -> None:
    """Sanic's access log writes the request line from ``extra``."""
    log.info("", extra={"request": f"GET /unsubscribe?email={EMAIL}", "status": 200})

    assert caplog.records[0].request == "GET /unsubscribe?email=[redacted]"
    assert caplog.records[0].status == 200


def test_a_personal_value_is_hidden_even_without_the_filter() -> None:
    assert str(personal("Anna")) == repr(personal("Anna")) == "[redacted]"
    assert "%s" % personal(EMAIL) == "[redacted]"  # noqa: UP031 - the way logging formats


def test_a_broken_log_call_shows_no_arguments(
    caplog: pytest.LogCaptureFixture, redacting: None
) -> None:
    log.warning("reader %d", personal("Anna"))

    assert caplog.messages == ["reader %d [arguments not shown: they do not fit the message]"]


NOT_PERSONAL = [
    "2026-11-23 13:14:36,123 handoff 42 stored in 0.1234567 s; 3 readers, id abc1234567",
    # Rasa's structured lines (JSON unless on a terminal) without a reader's words
    json.dumps({"filename": "/srv/endpoints.yml", "event": "endpoint.read.failed_no_such_file",
                "event_info": "Failed to read endpoint configuration file - the file was "
                              "not found.", "level": "error"}),
    json.dumps({"arg": "ten", "key": "limit", "event": "endpoint.int_arg.convert_failed",
                "level": "warning"}),
    "[warning  ] endpoint.int_arg.convert_failed arg=ten key=limit",
    # dumped slots and events that hold no reader's words
    "{'topic': 'maps', 'requested_slot': 'rsvp_name', 'writer_name': 'Mira Kestrel'}",
    '{"event": "slot", "timestamp": 1.5, "name": "topic", "value": "maps"}',
    '{"event": "action", "name": "action_rsvp_submit", "policy": "RulePolicy"}',
    "Tried to access non existent slot 'rsvp_email'",
    "Failed to execute custom action 'action_rsvp_submit' as a result of error "
    "'404, Not Found'. The default action failed to fill slots with custom mappings.",
]


@pytest.mark.parametrize("line", NOT_PERSONAL)
def test_what_is_not_personal_stays_as_it_is(line: str) -> None:
    assert redact(line) == line


def test_phones_need_seven_digits_and_dates_are_not_phones() -> None:
    assert redact("(030) 1234567") == "[redacted]"
    assert redact("on 2026-11-23, 12 readers") == "on 2026-11-23, 12 readers"


def test_personal_slots_of_dumped_trackers_and_events_are_redacted() -> None:
    tracker = {"sender_id": "rest:zq", "slots": {
        "reader_name": NAME, "rsvp_name": NAME, "handoff_message": "sign my copy",
        "topic": "maps"}, "latest_message": {"text": f"call me {NAME}", "intent": "introduce"}}
    line = f"tracker {tracker} event {{'event': 'slot', 'name': 'rsvp_name', 'value': '{NAME}'}}"

    redacted = redact(line)

    assert "Zephyrine" not in redacted and "sign my copy" not in redacted
    assert "'reader_name': '[redacted]'" in redacted and "'text': '[redacted]'" in redacted
    assert "'name': 'rsvp_name', 'value': '[redacted]'" in redacted
    assert "'topic': 'maps'" in redacted and "'intent': 'introduce'" in redacted


def test_every_slot_filled_from_what_readers_type_is_known() -> None:
    """A new slot filled from free text, or from a name, must be sorted in or out here."""
    not_personal = {"newsletter_topics", "newsletter_frequency", "topic", "kind", "length"}
    typed = set()
    domain = yaml.safe_load((PROJECT / "domain.yml").read_text())
    for slot, spec in domain["slots"].items():
        for mapping in spec.get("mappings", []):
            if mapping["type"] in ("from_text", "from_entity"):
                typed.add(slot)
    assert typed - not_personal == PERSONAL_SLOTS


def test_every_key_rasa_itself_would_anonymise_is_redacted() -> None:
    """Rasa 3.6 lists the keys of its log events that carry user data; so does the filter."""
    source = ast.parse(inspect.getsource(log_utils._anonymizer))
    [keys] = [node.value for node in ast.walk(source) if isinstance(node, ast.Assign)
              and getattr(node.targets[0], "id", "") == "anonymizable_keys"]
    rasa_keys = ast.literal_eval(keys)
    assert len(rasa_keys) > 20

    for key in rasa_keys:
        line = json.dumps({key: f"my name is {NAME}", "event": "some.event", "level": "info"})
        assert json.loads(redact(line)) == {
            key: "[redacted]", "event": "some.event", "level": "info"}
        assert redact(f"[info     ] some.event {key}=my name is {NAME}") == (
            f"[info     ] some.event {key}=[redacted]")


RASA_LINES = """
import asyncio, json, logging, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from penpal.logfilter import install

install()  # before Rasa configures logging, as early as a server's start-up can

import structlog
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.slots import TextSlot
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import ClientResponseError, EndpointConfig
from rasa.utils.log_utils import HumanConsoleRenderer, configure_structlog

NAME, EMAIL, PHONE = sys.argv[1:]
configure_structlog(logging.INFO)  # JSON lines: stderr is no terminal here
rasa_log = structlog.get_logger()


def handle(text):
    reader_name = NAME  # a local variable of the failing frame
    raise RuntimeError(f"no reply for conversation rest:zq ({len(reader_name)})")


try:
    handle(f"my name is {NAME}")
except RuntimeError:  # rasa/core/channels/rest.py
    rasa_log.exception("rest.message.received.failure", text=f"my name is {NAME}")
rasa_log.error("rest.message.received.timeout", text=f"call me {NAME}")


class ActionServer(BaseHTTPRequestHandler):
    # rasa-sdk's answer to an action that raised: the error and the whole request
    def do_POST(self):
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        body = json.dumps({"error": "boom", "request_body": request}).encode()
        self.send_response(500)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), ActionServer)
threading.Thread(target=server.serve_forever, daemon=True).start()
slots = [TextSlot(name, mappings=[]) for name in ("reader_name", "rsvp_email", "handoff_contact")]
tracker = DialogueStateTracker.from_events("rest:zq", [
    UserUttered(f"my name is {NAME}"), SlotSet("reader_name", NAME),
    SlotSet("rsvp_email", EMAIL), SlotSet("handoff_contact", PHONE)], slots=slots)


async def run_action():  # as rasa/core/actions/action.py RemoteAction.run
    endpoint = EndpointConfig(f"http://127.0.0.1:{server.server_address[1]}/webhook")
    try:
        await endpoint.request(method="post", json={
            "next_action": "action_rsvp_submit",
            "tracker": tracker.current_state(EventVerbosity.ALL)})
    except ClientResponseError as error:
        raise RasaException("Failed to execute custom action 'action_rsvp_submit'") from error


try:
    asyncio.run(run_action())
except RasaException:  # as rasa/core/processor.py
    logging.getLogger("rasa.core.processor").exception(
        "Encountered an exception while running action 'action_rsvp_submit'.")

for colors in (True, False):  # Rasa's renderer on a terminal
    structlog.configure(processors=[structlog.processors.add_log_level,
                                    HumanConsoleRenderer(colors=colors)],
                        logger_factory=structlog.stdlib.LoggerFactory())
    structlog.get_logger().error("rest.message.received.timeout", user_text=f"I'm {NAME}",
                                 text=f"call me {NAME}", placeholder_key="reader")
"""


def test_rasa_lines_with_what_readers_said_are_redacted() -> None:
    done = run_python(RASA_LINES, NAME, ZQ_EMAIL, ZQ_PHONE)
    output = done.stdout + done.stderr
    lines = done.stdout.splitlines()

    assert traces(output, ZQ_TRACES) == []
    failure = json.loads(next(line for line in lines if "received.failure" in line))
    assert failure["text"] == "[redacted]" and failure["level"] == "error"
    [trace] = failure["exception"]
    assert trace["exc_value"] == "no reply for conversation rest:zq (22)"
    assert {frame["locals"] for frame in trace["frames"]} == {"[redacted]"}
    assert {frame["name"] for frame in trace["frames"]} == {"<module>", "handle"}
    assert json.loads(next(line for line in lines if "received.timeout" in line)) == {
        "text": "[redacted]", "event": "rest.message.received.timeout", "level": "error"}
    assert "Encountered an exception while running action 'action_rsvp_submit'." in output
    assert "ClientResponseError: 500, Internal Server Error, body='[redacted]'" in output
    console = [line for line in lines if "received.timeout" in line][1:]
    assert len(console) == 2
    assert "\x1b[36mtext\x1b[0m=\x1b[35m[redacted]\x1b[0m" in console[0]
    assert "\x1b[36mplaceholder_key\x1b[0m=\x1b[35mreader\x1b[0m" in console[0]
    assert console[1].endswith(
        "placeholder_key=reader text=[redacted] user_text=[redacted]")


SANIC_LINES = """
import logging, sys

from penpal.logfilter import RedactPersonalData, install

logging.basicConfig(stream=sys.stdout, format="root: %(message)s")  # configured before
install()
install()
from sanic import Sanic

Sanic("penpal_test")  # its own loggers and handlers (sanic.log.LOGGING_CONFIG_DEFAULTS)
EMAIL, PHONE, NAME = sys.argv[1:]
said = f"{EMAIL} {PHONE} {{'reader_name': '{NAME}'}}"
logging.getLogger("sanic.root").info("root: %s", said)
try:
    raise ValueError(said)
except ValueError:
    logging.getLogger("sanic.error").exception("Exception occurred while handling uri")
logging.getLogger("sanic.access").info("", extra={
    "host": "127.0.0.1:5005", "request": f"GET /unsubscribe?email={EMAIL}", "status": 200,
    "byte": 2})
handlers = [h for name in ("", "sanic.root", "sanic.error", "sanic.access")
            for h in logging.getLogger(name).handlers]
print("filters per handler:", sorted(
    {sum(isinstance(f, RedactPersonalData) for f in h.filters) for h in handlers}))
"""


def test_sanic_loggers_and_handlers_added_later_are_covered_once() -> None:
    done = run_python(SANIC_LINES, EMAIL, PHONE, NAME)
    output = done.stdout + done.stderr

    assert traces(output, [EMAIL, PHONE, *NAME.split()]) == []
    assert "[redacted] [redacted] {'reader_name': '[redacted]'}" in done.stdout
    assert "ValueError: [redacted] [redacted] {'reader_name': '[redacted]'}" in done.stderr
    assert "GET /unsubscribe?email=[redacted]" in done.stdout
    assert "filters per handler: [1]" in done.stdout


def test_a_warning_without_any_logging_configured_is_redacted() -> None:
    done = run_python("import logging, sys\nfrom penpal.logfilter import install\n"
                      "install()\nlogging.getLogger('x').warning(sys.argv[1])", EMAIL)
    assert done.stderr == "[redacted]\n"


# --- a `penpal` command, as the writer runs it ------------------------------------


@pytest.fixture
def console_env(tmp_path: Path) -> dict[str, str]:
    """A migrated app database with Zephyrine in it, and a penpal.yml using Mailchimp."""
    url = f"sqlite:///{tmp_path / 'penpal.db'}"
    upgrade(url)
    db = Database(url)
    try:
        populate(db, ZEPHYRINE, add_catalogue(db))
        conversation = ZEPHYRINE.conversations[0]
        HandoffDesk(db, WriterNotifier(HandoffSettings())).submit(
            conversation, "telegram", "Ring me about the reading", parse_contact(ZQ_PHONE),
            [Turn("reader", f"I'm {NAME}, ring me on {ZQ_PHONE}")],
        )
        with db.session() as session:  # her subscription, due to be told to Mailchimp
            session.execute(update(NewsletterSubscription).where(
                NewsletterSubscription.reader_id == reader_id_for(db, conversation)
            ).values(email=ZQ_EMAIL, sync_due=True))
    finally:
        db.dispose()
    config = tmp_path / "penpal.yml"
    shutil.copy(PROJECT / "penpal.yml", config)
    return {**os.environ, "PENPAL_DATABASE_URL": url, "PENPAL_CONFIG": str(config),
            "PENPAL_TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
            "PENPAL_NEWSLETTER_PROVIDER": "mailchimp", "MAILCHIMP_API_KEY": "0123abcd-us21",
            "MAILCHIMP_LIST_ID": "list9", "PENPAL_RASA_URL": "http://127.0.0.1:9"}


def penpal(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([str(BIN / "penpal"), *args], cwd=PROJECT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def test_penpal_commands_log_no_personal_data_they_handled(
    console_env: dict[str, str], tmp_path: Path
) -> None:
    config = Path(console_env["PENPAL_CONFIG"])
    data = yaml.safe_load(config.read_text())
    with ApiServer().running() as mailchimp:
        data["newsletter"]["mailchimp"]["base_url"] = mailchimp.url
        config.write_text(yaml.safe_dump(data))
        mailchimp.statuses = [400]  # Mailchimp's answer names the address
        mailchimp.error_detail = f"{ZQ_EMAIL} looks fake or invalid, please enter a real email"
        logged = penpal(console_env, "scheduler", "--once")
    export = tmp_path / "export.json"
    conversation = ZEPHYRINE.conversations[0]
    logged += penpal(console_env, "privacy", "export", conversation, "--out", str(export))
    logged += penpal(console_env, "privacy", "forget", conversation, "--yes")

    assert "Mailchimp rejected it: [redacted] looks fake or invalid" in logged
    assert "tracker store has no events table yet" in logged  # forget's warning, logged
    assert "handoff_requests: 2" in logged
    assert traces(logged, ZQ_TRACES) == []
    assert traces(export.read_text(), [NAME, ZQ_EMAIL, "+447700900123"]) == [
        NAME, ZQ_EMAIL, "+447700900123"]
    db = Database(console_env["PENPAL_DATABASE_URL"])
    try:
        assert reader_id_for(db, conversation) is None
    finally:
        db.dispose()
