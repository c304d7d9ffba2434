"""SageMaker endpoint data capture, read as a stream of JSON Lines.

Each line of a capture file is one request (the format AWS documents)::

    {"captureData": {
       "endpointInput": {"observedContentType": "text/csv", "mode": "INPUT",
                         "data": "5.1,3.5,1.4,0.2\\n4.9,3.0,1.4,0.2", "encoding": "CSV"},
       "endpointOutput": {...}},
     "eventMetadata": {"eventId": "...", "inferenceTime": "2024-05-01T06:12:00Z"},
     "eventVersion": "0"}

Only ``endpointInput`` is read. ``encoding`` says how ``data`` is held:

* ``CSV``: the CSV text itself; one row per line, fields by position.
* ``JSON``: the JSON text of the payload (a parsed value is accepted too).
* ``BASE64``: the payload's bytes; ``observedContentType`` tells CSV
  (``text/csv``), JSON Lines (``application/jsonlines``) or JSON
  (``application/json``).

A JSON payload may be ``{"instances": [...]}`` (each instance a list of values, an
object of named values, ``{"features": [...]}``, or a single value), a list (a list of
such instances, or one flat list of values for a single row), or an object of named
values (one row). List rows map to the baseline features by position, objects by name.

Objects are read in chunks (``body.read(chunk_bytes)``), never whole; any object with a
``read(size)`` method works, so an S3 ``StreamingBody`` and a local file take the same
path. A line that cannot be read (not JSON, no ``endpointInput``, an unknown encoding,
undecodable data, a payload of no known shape) is counted as malformed and skipped,
and the first few are kept with their source, line number and reason.
"""

from __future__ import annotations

import base64
import binascii
import csv
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final, Protocol

from drift_check.accumulator import DriftAccumulator
from drift_check.report import CaptureSummary, MalformedRecord

DEFAULT_CHUNK_BYTES: Final = 1 << 20
DEFAULT_BATCH_ROWS: Final = 4096
DEFAULT_MAX_MALFORMED_EXAMPLES: Final = 10


class SupportsRead(Protocol):
    """A binary stream: an S3 ``StreamingBody``, an open file, ``io.BytesIO``."""

    def read(self, size: int = ..., /) -> bytes:
        """Up to ``size`` bytes; empty at the end."""
        ...


class MalformedCaptureRecord(ValueError):
    """A capture line that cannot be read as inference input."""


def iter_lines(body: SupportsRead, *, chunk_bytes: int = DEFAULT_CHUNK_BYTES) -> Iterator[bytes]:
    """Lines of a binary stream without their line ends, reading ``chunk_bytes`` at a time."""
    pending = b""
    while True:
        chunk = body.read(chunk_bytes)
        if not chunk:
            break
        lines = (pending + chunk).split(b"\n")
        pending = lines.pop()
        yield from lines
    if pending:
        yield pending


class PayloadRows:
    """Rows of one request: positional (lists) and named (objects)."""

    __slots__ = ("named", "positional")

    def __init__(self) -> None:
        self.positional: list[Sequence[object]] = []
        self.named: list[Mapping[str, object]] = []

    def __len__(self) -> int:
        return len(self.positional) + len(self.named)


def parse_capture_line(line: bytes | str) -> PayloadRows:
    """Rows of inference input in one capture line; raises MalformedCaptureRecord."""
    try:
        record = json.loads(line.decode("utf-8") if isinstance(line, bytes) else line)
    except (ValueError, RecursionError) as error:
        raise MalformedCaptureRecord(f"not JSON: {error}") from error
    try:
        endpoint_input = record["captureData"]["endpointInput"]
        encoding = endpoint_input["encoding"]
        data = endpoint_input["data"]
    except (KeyError, TypeError) as error:
        raise MalformedCaptureRecord(
            "missing captureData.endpointInput with encoding and data"
        ) from error
    content_type = str(endpoint_input.get("observedContentType") or "").lower()
    rows = PayloadRows()
    if encoding == "CSV":
        _add_csv_rows(_text(data), rows)
    elif encoding == "JSON":
        if isinstance(data, str):
            _add_json_text_rows(data, content_type, rows)
        else:
            _add_json_rows(data, rows)
    elif encoding == "BASE64":
        try:
            payload = base64.b64decode(_text(data), validate=True).decode("utf-8")
        except (binascii.Error, ValueError) as error:
            raise MalformedCaptureRecord(f"BASE64 data does not decode: {error}") from error
        if "csv" in content_type:
            _add_csv_rows(payload, rows)
        elif "json" in content_type:
            _add_json_text_rows(payload, content_type, rows)
        else:
            raise MalformedCaptureRecord(
                f"unsupported observedContentType {content_type!r} for BASE64 data"
            )
    else:
        raise MalformedCaptureRecord(f"unsupported encoding {encoding!r}")
    return rows


def _text(data: object) -> str:
    if not isinstance(data, str):
        raise MalformedCaptureRecord(f"data must be a string, got {type(data).__name__}")
    return data


def _add_csv_rows(text: str, rows: PayloadRows) -> None:
    for line in text.splitlines():
        if not line:
            continue
        if '"' in line:
            try:
                rows.positional.append(next(csv.reader([line])))
            except csv.Error as error:
                raise MalformedCaptureRecord(f"CSV payload does not parse: {error}") from error
        else:
            rows.positional.append(line.split(","))


def _add_json_text_rows(text: str, content_type: str, rows: PayloadRows) -> None:
    if "jsonlines" in content_type or "ndjson" in content_type:
        for line in text.splitlines():
            if line.strip():
                _add_json_rows(_json_value(line), rows)
    else:
        _add_json_rows(_json_value(text), rows)


def _json_value(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as error:
        raise MalformedCaptureRecord(f"JSON payload does not parse: {error}") from error


def _is_scalar(value: object) -> bool:
    return not isinstance(value, list | dict)


def _add_json_rows(payload: object, rows: PayloadRows) -> None:
    if isinstance(payload, dict):
        if "instances" in payload:
            instances = payload["instances"]
            if not isinstance(instances, list):
                raise MalformedCaptureRecord("JSON payload 'instances' must be a list")
            for instance in instances:
                _add_instance(instance, rows)
        elif isinstance(payload.get("features"), list):
            _add_instance(payload, rows)
        else:
            rows.named.append(payload)
    elif isinstance(payload, list):
        if payload and all(_is_scalar(item) for item in payload):
            rows.positional.append(payload)
        else:
            for item in payload:
                if _is_scalar(item):
                    raise MalformedCaptureRecord("JSON payload list mixes values and rows")
                _add_instance(item, rows)
    else:
        raise MalformedCaptureRecord(
            f"JSON payload must be an object or a list, got {type(payload).__name__}"
        )


def _add_instance(instance: object, rows: PayloadRows) -> None:
    if isinstance(instance, list):
        rows.positional.append(instance)
    elif isinstance(instance, dict):
        features = instance.get("features")
        if isinstance(features, list) and len(instance) == 1:
            rows.positional.append(features)
        else:
            rows.named.append(instance)
    else:
        rows.positional.append([instance])


class MalformedRecordLog:
    """Count of malformed capture lines, and the first few of them."""

    def __init__(self, *, max_examples: int = DEFAULT_MAX_MALFORMED_EXAMPLES) -> None:
        self.count = 0
        self.examples: list[MalformedRecord] = []
        self._max_examples = max_examples

    def add(self, source: str, line: int, reason: str) -> None:
        """Record one malformed line (kept as an example while there is room)."""
        self.count += 1
        if len(self.examples) < self._max_examples:
            self.examples.append(MalformedRecord(source, line, reason[:300]))


class CaptureReader:
    """Feeds capture streams into a drift accumulator, batch by batch.

    Memory holds one chunk of the stream, one line, and at most ``batch_rows``
    parsed rows at a time.
    """

    def __init__(
        self,
        accumulator: DriftAccumulator,
        *,
        batch_rows: int = DEFAULT_BATCH_ROWS,
        chunk_bytes: int = DEFAULT_CHUNK_BYTES,
        max_malformed_examples: int = DEFAULT_MAX_MALFORMED_EXAMPLES,
    ) -> None:
        self.accumulator = accumulator
        self.malformed = MalformedRecordLog(max_examples=max_malformed_examples)
        self.objects = 0
        self.lines = 0
        self.records = 0
        self._batch_rows = batch_rows
        self._chunk_bytes = chunk_bytes
        self._positional: list[Sequence[object]] = []
        self._named: list[Mapping[str, object]] = []

    def read(self, body: SupportsRead, source: str) -> None:
        """Read every line of one capture object (``source`` names it in the report)."""
        self.objects += 1
        for number, line in enumerate(iter_lines(body, chunk_bytes=self._chunk_bytes), start=1):
            if not line.strip():
                continue
            self.lines += 1
            try:
                rows = parse_capture_line(line)
            except MalformedCaptureRecord as error:
                self.malformed.add(source, number, str(error))
                continue
            self.records += 1
            self._positional.extend(rows.positional)
            self._named.extend(rows.named)
            if len(self._positional) + len(self._named) >= self._batch_rows:
                self.flush()

    def flush(self) -> None:
        """Count the rows still buffered."""
        if self._positional:
            self.accumulator.add_positional_rows(self._positional)
            self._positional = []
        if self._named:
            self.accumulator.add_named_rows(self._named)
            self._named = []

    def summary(self) -> CaptureSummary:
        """What has been read so far."""
        return CaptureSummary(
            objects=self.objects,
            lines=self.lines,
            records=self.records,
            malformed_records=self.malformed.count,
            malformed_examples=tuple(self.malformed.examples),
        )
