"""A number list with an empty value in it (``1,,2``, ``1,2;;3,4``) is a typo: every page and twin answers a 422
naming the field instead of quietly dropping the value. One trailing separator is forgiven and spelled away."""

import pytest

EMPTY = [
    ("/conv1d", "input=1,,2,3,4", "input"),
    ("/conv1d", "input=1,2,3,4&kernel=1,,0", "kernel"),
    ("/conv2d", "kernel=1,,2;3,4,5;6,7,8", "kernel"),
    ("/conv2d", "kernel=1,2,3;;4,5,6;7,8,9", "kernel"),
    ("/conv2d", "grid=1,2,3;4,,5;6,7,8", "grid"),
    ("/pool", "input=1,,2,3;4,5,6,7;8,9,1,2;3,4,5,6", "input"),
    ("/flip", "input=1,,2", "input"),
    ("/volume", "input=1,,2;3,4&weights=1", "input"),
]


@pytest.mark.parametrize(("path", "query", "field"), EMPTY)
def test_an_empty_value_is_refused_by_name(client, path, query, field):
    page = client.get(f"{path}?{query}", follow_redirects=False)
    assert page.status_code == 422
    assert f"<code>{field}</code>" in page.text
    twin = client.get(f"{path}.json?{query}")
    assert twin.status_code == 422
    body = twin.json()
    assert body["field"] == field
    assert "empty" in body["detail"]


def test_one_trailing_comma_is_spelled_away(client):
    r = client.get("/conv1d?input=1,2,3,4,", follow_redirects=False)
    assert r.status_code == 302
    assert r.headers["location"] == "/conv1d?input=1,2,3,4"
