"""The API's request parsers, in a module of their own: DRF reads its parser setting when
``rest_framework.views`` is first imported, so the parser must not live in a module that
imports the views (``core.api`` does), or the first import of the settings is circular."""

from rest_framework import exceptions, parsers


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with JSON nested deeper than Python's recursion limit (``[[[[...``)
    a parse error like any other rather than a RecursionError and a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from error
