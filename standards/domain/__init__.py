"""The network code's pure domain code: the decision rule and the texts of standards
(Markdown rendering, diffs). No queries, no writes, no requests."""
