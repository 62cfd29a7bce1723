"""Creating course modules through the API, for the course tests."""


def add_module(
    client, headers, course_id, title="Підготовка і комітет", body="Як зібрати комітет.", **extra
):
    response = client.post(
        f"/api/v1/courses/{course_id}/modules",
        headers=headers,
        json={"title": title, "body": body, **extra},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def publish(client, headers, module_id):
    response = client.post(f"/api/v1/modules/{module_id}/publish", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def published_module(client, h, course_id, **extra):
    module = add_module(client, h["expert"], course_id, **extra)
    return publish(client, h["expert"], module["id"])
