import json

import pytest


@pytest.fixture
def cli_json(capsys):
    """Run `phocap …` in this process (as a script would) and read its one JSON document."""
    from phocap.cli import main

    def run(*words):
        args = list(words) if "--json" in words else [*words, "--json"]
        code = main(args)
        captured = capsys.readouterr()
        assert code == 0, captured.err
        return json.loads(captured.out)

    return run
