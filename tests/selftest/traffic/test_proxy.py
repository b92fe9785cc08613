"""`mmcontract proxy` as a process: forwards unchanged (both auth schemes, keep-alive, large bodies), moves links
to itself, writes its reports on SIGTERM with `run`'s exit code; an upstream that does not answer is exit 2."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import httpx
import pytest

from mmcontract.bench import served
from mmcontract.cli import main
from mmcontract.traffic.process import start_proxy, stop_proxy

pytestmark = [pytest.mark.socket]


def test_forwards_unchanged_and_reports_on_sigterm(tmp_path: Path) -> None:
    with served(log_dir=tmp_path) as server:
        proxied = start_proxy(server.endpoint, tmp_path / "r", args=["--har", str(tmp_path / "t.har")])
        try:
            with httpx.Client(timeout=30) as client:  # one keep-alive connection for every request below
                for scheme in ("Bearer", "Token"):
                    auth = {"Authorization": f"{scheme} {server.token}"}
                    for path in ("/registeredModels/?limit=2", "/modelPackages/?limit=3", "/version/"):
                        direct = client.get(server.endpoint + path, headers=auth)
                        through = client.get(proxied.endpoint + path, headers=auth)
                        assert through.status_code == direct.status_code == 200
                        want = direct.text.replace(server.origin, proxied.endpoint.rsplit("/api/v2", 1)[0])
                        assert through.text == want  # the same body, links moved to the proxy
                big = {"name": "x" * 2_000_000}  # 2 MB: forwarded whole, answered as the server answers it
                rm = client.get(server.endpoint + "/registeredModels/?limit=1", headers=auth).json()["data"][
                    0
                ]
                answer = client.patch(
                    f"{proxied.endpoint}/registeredModels/{rm['id']}/", json=big, headers=auth
                )
                assert answer.status_code in (413, 422)
                assert client.get(proxied.endpoint + "/registeredModels/").status_code == 401
        finally:
            code = stop_proxy(proxied, sig=signal.SIGTERM)
    assert code == 0  # the reference server: no server finding
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["outcome"] == "conformant"
    assert summary["totals"]["cases_sent"] == 6  # /version/ is outside the contract
    assert server.token not in (tmp_path / "t.har").read_text()
    assert len(json.loads((tmp_path / "t.har").read_text())["log"]["entries"]) == 8


def test_an_upstream_that_does_not_answer_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["proxy", "--upstream", "http://127.0.0.1:9/api/v2", "--listen", "127.0.0.1:0"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "upstream" in err


@pytest.mark.parametrize(
    "bad", [["--upstream", "ftp://x"], ["--upstream", "http://h/api/v2", "--listen", "nope"]]
)
def test_bad_options_are_one_line_and_exit_2(bad: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["proxy", *bad])
    assert exited.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
