REQUIRED = {
    ("post", "/api/v1/auth/token"),
    ("get", "/api/v1/me"),
    ("get", "/api/v1/users"),
    ("post", "/api/v1/users"),
    ("get", "/api/v1/users/{user_id}"),
    ("patch", "/api/v1/users/{user_id}"),
    ("get", "/api/v1/communities"),
    ("get", "/api/v1/associations"),
    ("get", "/api/v1/expert-groups"),
    ("get", "/api/v1/spaces"),
    ("post", "/api/v1/spaces"),
    ("get", "/api/v1/spaces/{space_id}"),
    ("patch", "/api/v1/spaces/{space_id}"),
    ("get", "/api/v1/spaces/{space_id}/members"),
    ("put", "/api/v1/spaces/{space_id}/members/{user_id}"),
    ("delete", "/api/v1/spaces/{space_id}/members/{user_id}"),
}


def test_openapi_document_describes_every_endpoint(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    documented = {(m, p) for p, ops in doc["paths"].items() for m in ops}
    assert documented >= REQUIRED
    routes = {
        (method.lower(), rule.rule.replace("<int:", "{").replace(">", "}"))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and rule.rule != "/api/v1/openapi.json"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == documented


def test_openapi_schemas_resolve_and_carry_limits(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    for ops in doc["paths"].values():
        for op in ops.values():
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            if body:
                assert body["schema"]["$ref"].split("/")[-1] in schemas
            for response in op["responses"].values():
                for content in response.get("content", {}).values():
                    assert content["schema"]["$ref"].split("/")[-1] in schemas
    assert schemas["SpaceIn"]["properties"]["title"]["maxLength"] == 200
    assert "kind" in schemas["SpaceIn"]["required"]
    create = doc["paths"]["/api/v1/spaces"]["post"]
    assert {"201", "401", "403", "422"} <= set(create["responses"])
