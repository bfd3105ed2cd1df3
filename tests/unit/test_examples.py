"""Every example query in sql/examples/ states its question and the shape of its answer
(``-- expect: columns a, b; rows: 22``), CTE first, lower-case; tests/integration/test_examples.py
runs them against the published file."""

import re

from pipelines.settings import PROJECT_ROOT

EXAMPLES_DIR = PROJECT_ROOT / "sql" / "examples"
EXAMPLES = sorted(EXAMPLES_DIR.glob("*.sql"))
EXPECT = re.compile(
    r"^--\s*expect:\s*columns\s+(?P<columns>[^;]+);\s*rows:\s*(?P<rows>.+)$", re.MULTILINE
)


def parse_expectation(sql: str) -> tuple[list[str], str]:
    match = EXPECT.search(sql)
    assert match, "example has no '-- expect: columns ...; rows: ...' line"
    columns = [c.strip() for c in match["columns"].split(",")]
    return columns, match["rows"].strip()


def test_there_are_at_least_ten_examples_each_stating_its_question():
    assert len(EXAMPLES) >= 10
    for path in EXAMPLES:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("-- Question:"), path.name
        parse_expectation(text)
        body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
        assert body.lstrip().startswith("with "), f"{path.name}: CTE first"
        assert body == body.lower() or _only_literals_upper(body), f"{path.name}: lower-case SQL"


def _only_literals_upper(body: str) -> bool:
    without_strings = re.sub(r"'[^']*'", "''", body)
    return without_strings == without_strings.lower()
