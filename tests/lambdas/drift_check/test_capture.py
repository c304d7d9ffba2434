"""Reading SageMaker data capture: payload shapes, streaming, malformed lines."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from drift_check.baseline import Baseline, build_baseline
from drift_check.capture import (
    MalformedCaptureRecord,
    iter_lines,
    parse_capture_line,
)
from drift_check.engine import check_capture, compute_drift
from drift_check.thresholds import Thresholds

from .capture_records import (
    base64_capture_line,
    capture_line,
    csv_capture_line,
    json_capture_line,
)


class CountingStream(io.BytesIO):
    """A stream that records the size of each read, like an S3 body would serve them."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.reads: list[int] = []

    def read(self, size: int | None = -1, /) -> bytes:
        chunk = super().read(size)
        self.reads.append(len(chunk))
        return chunk


@pytest.fixture(scope="module")
def baseline() -> Baseline:
    rng = np.random.default_rng(21)
    return build_baseline(
        {
            "age": rng.integers(18, 80, size=5000),
            "income": rng.normal(50_000, 9_000, size=5000),
            "plan": rng.choice(["basic", "plus", "pro"], size=5000),
        }
    )


def rows_of(line: str) -> tuple[list[list[object]], list[dict[str, object]]]:
    rows = parse_capture_line(line.encode())
    return [list(row) for row in rows.positional], [dict(row) for row in rows.named]


def test_csv_payload_with_several_rows() -> None:
    positional, named = rows_of(csv_capture_line([[34, 51000.5, "plus"], [51, "", "basic"]]))
    assert positional == [["34", "51000.5", "plus"], ["51", "", "basic"]]
    assert named == []


def test_csv_payload_with_quoted_fields() -> None:
    positional, _ = rows_of(capture_line('34,51000.5,"pro, annual"'))
    assert positional == [["34", "51000.5", "pro, annual"]]


@pytest.mark.parametrize(
    ("payload", "positional", "named"),
    [
        ({"instances": [[34, 51000.5, "plus"], [51, None, "basic"]]}, 2, 0),
        ({"instances": [{"features": [34, 51000.5, "plus"]}]}, 1, 0),
        ({"instances": [{"age": 34, "income": 1.0, "plan": "pro"}]}, 0, 1),
        ([[34, 51000.5, "plus"], [51, 1.0, "basic"]], 2, 0),
        ([34, 51000.5, "plus"], 1, 0),
        ([{"age": 34, "plan": "pro"}, {"age": 40}], 0, 2),
        ({"age": 34, "income": 1.0, "plan": "pro"}, 0, 1),
        ({"features": [34, 51000.5, "plus"]}, 1, 0),
        ({"instances": []}, 0, 0),
    ],
)
def test_json_payload_shapes(payload: object, positional: int, named: int) -> None:
    found_positional, found_named = rows_of(json_capture_line(payload))
    assert (len(found_positional), len(found_named)) == (positional, named)


def test_json_payload_given_as_a_parsed_value_is_read_too() -> None:
    line = json.loads(json_capture_line({}))
    line["captureData"]["endpointInput"]["data"] = {"instances": [[1, 2, "pro"]]}
    positional, _ = rows_of(json.dumps(line))
    assert positional == [[1, 2, "pro"]]


def test_base64_payloads_follow_the_content_type() -> None:
    csv_rows, _ = rows_of(base64_capture_line("34,51000.5,plus\n51,1,basic", "text/csv"))
    json_rows, _ = rows_of(
        base64_capture_line(json.dumps({"instances": [[1, 2, "pro"]]}), "application/json")
    )
    _, lines_rows = rows_of(
        base64_capture_line('{"age": 1}\n{"age": 2}\n', "application/jsonlines")
    )
    assert len(csv_rows) == 2 and json_rows == [[1, 2, "pro"]] and len(lines_rows) == 2


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("{not json", "not JSON"),
        ('{"captureData": {}}', "missing captureData.endpointInput"),
        ("[1, 2]", "missing captureData.endpointInput"),
        (capture_line("1,2,3", encoding="XML"), "unsupported encoding 'XML'"),
        (capture_line("%%%", encoding="BASE64"), "BASE64 data does not decode"),
        (base64_capture_line("1,2", "application/x-protobuf"), "unsupported observedContentType"),
        (capture_line("{", encoding="JSON", content_type="application/json"), "does not parse"),
        (json_capture_line("just text"), "must be an object or a list"),
        (json_capture_line({"instances": 3}), "'instances' must be a list"),
        (json_capture_line([1, [2]]), "mixes values and rows"),
    ],
)
def test_malformed_lines_say_why(line: str, reason: str) -> None:
    with pytest.raises(MalformedCaptureRecord, match=reason):
        parse_capture_line(line.encode())


def test_malformed_lines_are_counted_skipped_and_reported(baseline: Baseline) -> None:
    good = csv_capture_line([[34, 51000.5, "plus"]])
    lines = [good, "{truncated", good, "", good, '{"eventVersion": "0"}', good, "\xff"]
    body = io.BytesIO("\n".join(lines).encode("utf-8", errors="surrogateescape"))
    report = check_capture(baseline, [("s3://capture/a.jsonl", body)], thresholds=Thresholds())
    assert report.capture is not None
    assert report.rows == 4
    assert report.capture.records == 4
    assert report.capture.malformed_records == 3
    assert [(m.source, m.line) for m in report.capture.malformed_examples] == [
        ("s3://capture/a.jsonl", 2),
        ("s3://capture/a.jsonl", 6),
        ("s3://capture/a.jsonl", 8),
    ]
    assert report.capture.malformed_examples[0].reason.startswith("not JSON")
    assert report.to_dict()["capture"]["malformed_records"] == 3


def test_malformed_examples_are_capped_but_all_are_counted(baseline: Baseline) -> None:
    body = io.BytesIO(b"\n".join([b"garbage"] * 25))
    report = check_capture(baseline, [("local", body)])
    assert report.capture is not None
    assert report.capture.malformed_records == 25
    assert len(report.capture.malformed_examples) == 10
    assert report.status == "empty_window"


def test_streams_are_read_in_chunks_never_whole(baseline: Baseline) -> None:
    data = "\n".join(csv_capture_line([[30 + i % 40, 50_000, "pro"]]) for i in range(300))
    body = CountingStream(data.encode())
    report = check_capture(baseline, [("local", body)], chunk_bytes=4096, batch_rows=64)
    assert report.rows == 300
    assert max(body.reads) == 4096
    assert len(body.reads) > len(data) // 4096


@given(
    lines=st.lists(st.binary(max_size=40).map(lambda line: line.replace(b"\n", b"")), max_size=20),
    chunk=st.integers(min_value=1, max_value=64),
)
def test_line_splitting_does_not_depend_on_chunk_boundaries(lines: list[bytes], chunk: int) -> None:
    data = b"\n".join(lines)
    expected = data.split(b"\n")
    if expected[-1] == b"":  # a final line end closes the last line, it opens no new one
        expected.pop()
    assert list(iter_lines(io.BytesIO(data), chunk_bytes=chunk)) == expected


def test_streamed_capture_and_in_memory_columns_give_the_same_report(baseline: Baseline) -> None:
    rng = np.random.default_rng(22)
    ages = rng.integers(18, 80, size=3000)
    incomes = rng.normal(52_000, 9_000, size=3000).round(2)
    plans = rng.choice(["basic", "plus", "pro", "team"], size=3000)
    csv_lines = [
        csv_capture_line([[ages[i + k], incomes[i + k], plans[i + k]] for k in range(3)])
        for i in range(0, 3000, 3)
    ]
    body = io.BytesIO("\n".join(csv_lines).encode())
    streamed = check_capture(baseline, [("local", body)], batch_rows=500)
    in_memory = compute_drift(baseline, {"age": ages, "income": incomes, "plan": plans})
    assert streamed.rows == in_memory.rows == 3000
    for left, right in zip(streamed.features, in_memory.features, strict=True):
        assert left.statistics == pytest.approx(right.statistics)
        assert left.verdict == right.verdict
    assert streamed.drift_score == in_memory.drift_score


def test_json_rows_by_name_and_position_mix_in_one_window(baseline: Baseline) -> None:
    lines = [
        json_capture_line({"instances": [{"age": 30, "income": 50_000.0, "plan": "pro"}]}),
        json_capture_line([[31, 51_000.0, "plus"]]),
        json_capture_line({"age": 32, "plan": "basic", "device": "ios"}),
    ]
    report = check_capture(
        baseline,
        [("local", io.BytesIO("\n".join(lines).encode()))],
        thresholds=Thresholds(min_rows=1),
    )
    assert report.rows == 3
    income = report.feature("income")
    assert income.absent == 1
    assert income.values == 2
    assert [(v.kind, v.feature) for v in report.schema_violations] == [("new_column", "device")]


def test_csv_rows_of_the_wrong_width_are_absent_fields_and_new_columns(baseline: Baseline) -> None:
    lines = [csv_capture_line([[30, 50_000.0]]), csv_capture_line([[31, 51_000.0, "pro", "x"]])]
    report = check_capture(
        baseline,
        [("local", io.BytesIO("\n".join(lines).encode()))],
        thresholds=Thresholds(min_rows=1),
    )
    assert report.feature("plan").absent == 1
    assert report.feature("plan").values == 1
    assert [(v.kind, v.feature) for v in report.schema_violations] == [("new_column", "column_3")]


def test_unseen_categories_tracked_are_capped(baseline: Baseline) -> None:
    lines = [csv_capture_line([[30, 50_000.0, f"plan-{i}"]]) for i in range(250)]
    report = check_capture(baseline, [("local", io.BytesIO("\n".join(lines).encode()))])
    plan = report.feature("plan")
    assert plan.window["unlisted_share"] == 1.0
    assert len(plan.window["top_unlisted"]) == 10
    assert plan.window["untracked_unlisted"] == 150
