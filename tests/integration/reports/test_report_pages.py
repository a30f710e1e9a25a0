"""The compliance reports page: an auditor writes a pack, opens it, downloads it; a changed
pack is shown as changed; an annotator is refused."""

from __future__ import annotations

import io
import zipfile

from tests.factories import login, make_user


def test_an_auditor_writes_views_and_downloads_a_pack(app, session, seeded, client):
    make_user(session, email="inspector@example.test", roles=("auditor",))
    assert login(client, "inspector@example.test").status_code == 302
    page = client.get("/reports/")
    assert page.status_code == 200 and b"No evidence pack has been written yet" in page.data
    response = client.post("/reports/", data={"dataset": "prompts", "language": "en"})
    assert response.status_code == 302, response.data[:500]
    shown = client.get(response.headers["Location"])
    assert shown.status_code == 200 and b"Every file matches the manifest." in shown.data
    pack_url = response.headers["Location"].rstrip("/")
    html = client.get(f"{pack_url}/files/report.html")
    assert html.status_code == 200 and html.mimetype == "text/html"
    assert "default-src 'none'" in html.headers["Content-Security-Policy"]
    assert b"Dataset prompts" in html.data and b"safety" not in html.data.split(b"<h2")[0]
    pdf = client.get(f"{pack_url}/files/report.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"{pack_url}/download").data))
    assert sorted(n.split("/")[-1] for n in archive.namelist()) == [
        "manifest.json",
        "manifest.sha256",
        "report.html",
        "report.json",
        "report.pdf",
    ]
    assert client.get(f"{pack_url}/files/secret.txt").status_code == 404
    assert client.get("/reports/20990101-000000-abcdef/").status_code == 404
    # A pack changed on disk is shown as changed, here and in the list.
    pack_dir = app.instance_path + "/reports/" + pack_url.rsplit("/", 1)[-1]
    with open(pack_dir + "/report.json", "a", encoding="utf-8") as handle:
        handle.write(" ")
    assert b"no longer matches its manifest" in client.get(pack_url + "/").data
    assert b"CHANGED" in client.get("/reports/").data


def test_an_empty_form_is_refused_without_writing_anything(app, session, client):
    make_user(session, email="qa@example.test", roles=("qa_lead",))
    login(client, "qa@example.test")
    assert client.post("/reports/", data={}).status_code == 400
    assert client.post("/reports/", data={"language": "en", "dataset": "nope"}).status_code == 400


def test_an_annotator_is_refused(app, session, client):
    make_user(session, email="ann@example.test", roles=("annotator",))
    login(client, "ann@example.test")
    assert client.get("/reports/").status_code == 403
