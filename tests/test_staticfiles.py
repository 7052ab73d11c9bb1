"""The static files storage names each file by its hashed copy, as whitenoise's does, and looks it up once."""

import json

import pytest
from django.test import override_settings

from config.staticfiles import StaticFilesStorage


@pytest.fixture
def storage(tmp_path):
    (tmp_path / "staticfiles.json").write_text(
        json.dumps({"version": "1.1", "paths": {"css/site.css": "css/site.0123abcd.css"}, "hash": "x"})
    )
    with override_settings(DEBUG=False):
        yield StaticFilesStorage(location=tmp_path, base_url="/static/")


def test_a_files_url_is_its_hashed_copys_and_is_worked_out_once(storage, monkeypatch):
    assert storage.url("css/site.css") == "/static/css/site.0123abcd.css"

    monkeypatch.setattr(storage, "stored_name", lambda name: pytest.fail("looked up again"))
    assert storage.url("css/site.css") == "/static/css/site.0123abcd.css"


def test_a_file_missing_from_the_manifest_is_refused_every_time(storage):
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("css/missing.css")
