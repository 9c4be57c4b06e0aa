"""Command lines whose trailing words are a search query: a query word starting with '-' is not an option."""

from __future__ import annotations

# command path -> (its options that take a value, its flag options); every other word is part of the query
QUERY_COMMANDS: dict[tuple[str, ...], tuple[frozenset[str], frozenset[str]]] = {
    ("search",): (frozenset({"--limit", "--library", "--save", "--sort"}), frozenset({"--json", "-h", "--help"})),
    ("saved", "new"): (frozenset({"--library"}), frozenset({"-h", "--help"})),
}


def protect_query(argv: list[str]) -> list[str]:
    """Reorder `search ablation -sunitinib --json` as `search --json -- ablation -sunitinib` for argparse."""
    start = _command_index(argv)
    for path, (valued, flags) in QUERY_COMMANDS.items():
        if start is not None and tuple(argv[start : start + len(path)]) == path:
            head, rest = argv[: start + len(path)], argv[start + len(path) :]
            options: list[str] = []
            words: list[str] = []
            tokens = iter(rest)
            for token in tokens:
                name = token.split("=", 1)[0]
                if token == "--":
                    words.extend(tokens)
                elif name in valued:
                    options.append(token)
                    if "=" not in token:
                        options.append(next(tokens, ""))
                elif token in flags:
                    options.append(token)
                else:
                    words.append(token)
            return [*head, *options, "--", *words] if words else [*head, *options]
    return argv


def _command_index(argv: list[str]) -> int | None:
    """Where the subcommand's name is: the first word that is neither an option nor --library's value."""
    tokens = iter(enumerate(argv))
    for index, token in tokens:
        if token == "--library":
            next(tokens, None)
        elif not token.startswith("-"):
            return index
    return None
