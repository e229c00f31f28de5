def test_home_needs_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.location


def test_signed_in_official_sees_home(client, auth, world):
    auth.login("official.bunglao")
    response = client.get("/")
    assert response.status_code == 200
    assert "Lò Văn Minh" in response.get_data(as_text=True)
