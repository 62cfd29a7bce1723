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
                for media, content in response.get("content", {}).items():
                    if media != "application/json":  # a file
                        assert content["schema"] == {"type": "string", "format": "binary"}
                        continue
                    assert content["schema"]["$ref"].split("/")[-1] in schemas
    assert schemas["SpaceIn"]["properties"]["title"]["maxLength"] == 200
    assert "kind" in schemas["SpaceIn"]["required"]
    create = doc["paths"]["/api/v1/spaces"]["post"]
    assert {"201", "401", "403", "422"} <= set(create["responses"])


def _refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_every_reference_resolves(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    for ref in set(_refs(doc)):
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.rsplit("/", 1)[1] in doc["components"]["schemas"], ref


def test_responses_say_which_errors_can_come(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    token = doc["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert {"201", "400", "401", "422", "429"} <= set(token)
    me = doc["paths"]["/api/v1/me"]["get"]["responses"]
    assert "200" in me and "401" in me and "409" not in me and "422" not in me
    space = doc["paths"]["/api/v1/spaces/{space_id}"]["get"]
    assert "404" in space["responses"]
    [param] = space["parameters"]
    assert param["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
    for ops in doc["paths"].values():
        for op in ops.values():
            error = op["responses"]["default"]["content"]["application/json"]["schema"]
            assert error == {"$ref": "#/components/schemas/Error"}


def test_null_is_documented_only_where_it_is_accepted(client):
    patch = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["UserPatch"]
    assert patch["properties"]["role"] == {"$ref": "#/components/schemas/Role"}
    assert {"type": "null"} in patch["properties"]["association_id"]["anyOf"]
