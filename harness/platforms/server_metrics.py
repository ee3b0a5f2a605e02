"""server_metrics as users write them: in a targets file, in a scenario
(inline or as the name of a YAML file), or as such a file; each a mapping of
names (which become `server.<name>` columns and SLO metrics) to PromQL
queries that prometheus.py asks."""

from __future__ import annotations

from pathlib import Path

from harness.measure.group_names import GROUP_PATTERN, GROUP_RULE
from harness.spec.document import Document, Where, read_document
from harness.spec.errors import InvalidInput
from harness.spec.fields import Field, FileName, Text


class QueriesField(Field):
    """server_metrics (a targets file's, a scenario's): a mapping of names (the
    request group rule: they become `server.<name>` columns and SLO metrics)
    to PromQL queries."""

    _NAME = Text("a server metric's name", pattern=GROUP_PATTERN, rule=GROUP_RULE)
    _QUERY = Text("a PromQL query", longest=4000)

    def read(self, value: object, where: Where, document: Document) -> dict[str, str] | None:
        if not isinstance(value, dict):
            self._wrong(value, where, document, "a mapping of names to PromQL queries")
            return None
        queries = {}
        for name, query in value.items():
            good_name = self._NAME.read(name, where + (name,), document)
            good_query = self._QUERY.read(query, where + (name,), document)
            if good_name is not None and good_query is not None:
                queries[good_name] = good_query
        return queries

    def schema(self) -> dict:
        return {
            "type": "object",
            "description": self.description,
            "propertyNames": {"pattern": GROUP_PATTERN},
            "additionalProperties": self._QUERY.schema(),
        }


class QueriesOrFile(QueriesField):
    """A scenario's server_metrics: the mapping inline, or the name of a YAML
    file holding it (relative to the scenario's folder), so that scenarios
    on one platform share one list."""

    _FILE = FileName("a file of server metrics")

    def read(self, value: object, where: Where, document: Document) -> dict[str, str] | None:
        if not isinstance(value, str):
            return super().read(value, where, document)
        name = self._FILE.read(value, where, document)
        if name is None:
            return None
        try:
            return read_queries(Path(document.name).parent / name)
        except InvalidInput as error:
            document.include(error)
            return None

    def schema(self) -> dict:
        return {"anyOf": [super().schema(), self._FILE.schema()], "description": self.description}


def read_queries(path: Path) -> dict[str, str]:
    """The YAML file at `path` of server metrics (name: PromQL query);
    InvalidInput naming each problem's line."""
    document = read_document(path)
    queries = QueriesField("server metrics").read(document.data, (), document)
    document.check()
    return queries or {}
