"""Okta's official Python SDK, unmodified, against the embedded org.

Run by conformance/run.sh with ORG_URL and OKTA_TOKEN set. Exits non-zero on the first surprise.
The SDK's HTTPS check is turned off with its documented testing setting.
"""
import asyncio
import os
import sys

from okta.client import Client
from okta.models import AddGroupRequest, ChangePasswordRequest, CreateUserRequest
from okta.pagination import PaginationHelper

PASSWORD = "Tr0ub4dor&3x-py"
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def status_of(user):
    return getattr(user.status, "value", user.status)


async def main():
    client = Client({
        "orgUrl": os.environ["ORG_URL"],
        "token": os.environ["OKTA_TOKEN"],
        "testing": {"testingDisableHttpsCheck": True},
        "cache": {"enabled": False},
    })

    def new_user(n, password=True):
        body = {"profile": {"firstName": "Py", "lastName": f"Person{n}", "email": f"py{n}@example.com", "login": f"py{n}@example.com"}}
        if password:
            body["credentials"] = {"password": {"value": PASSWORD}}
        return CreateUserRequest.from_dict(body)

    staged, _, err = await client.create_user(new_user(1, password=False), activate=False)
    check(err is None and status_of(staged) == "STAGED", "create without activation -> STAGED")
    active, _, err = await client.create_user(new_user(2), activate=True)
    check(err is None and status_of(active) == "ACTIVE", "create with password and activation -> ACTIVE")

    got, _, err = await client.get_user(active.id)
    check(err is None and got.profile.login == "py2@example.com", "get user by id")

    # Page through every user following Link headers, 3 at a time.
    everyone, cursor, pages = [], None, 0
    while True:
        page, resp, err = await client.list_users(limit=3, after=cursor)
        check(err is None, f"list users page {pages + 1}")
        everyone += page
        pages += 1
        cursor = PaginationHelper.extract_next_cursor(resp.headers)
        if not cursor or pages > 50:
            break
    check(len(everyone) == 16, f"paginate all users by Link (got {len(everyone)})")
    ids = [u.id for u in everyone]
    check(len(set(ids)) == len(ids), "no user repeated across pages")

    found, _, err = await client.list_users(search='profile.lastName eq "Person2"')
    check(err is None and [u.id for u in found] == [active.id], "search")
    found, _, err = await client.list_users(filter='status eq "STAGED"')
    check(err is None and any(u.id == staged.id for u in found), "filter")
    found, _, err = await client.list_users(q="py")
    check(err is None and len(found) == 2, "q")

    err = (await client.activate_user(staged.id, send_email=False))[-1]
    check(err is None, "activate")
    uid = active.id
    for op, want in [("suspend_user", "SUSPENDED"), ("unsuspend_user", "ACTIVE"), ("expire_password", "PASSWORD_EXPIRED"),
                     ("reset_password", "RECOVERY")]:
        kwargs = {"send_email": False} if op == "reset_password" else {}
        err = (await getattr(client, op)(uid, **kwargs))[-1]
        user, _, _ = await client.get_user(uid)
        check(err is None and status_of(user) == want, f"{op} -> {want}")

    _, _, err = await client.change_password(uid, ChangePasswordRequest.from_dict(
        {"oldPassword": {"value": PASSWORD}, "newPassword": {"value": "N3w-Passw0rd-py"}}))
    user, _, _ = await client.get_user(uid)
    check(err is None and status_of(user) == "ACTIVE", "change_password from RECOVERY -> ACTIVE")
    temp, _, err = await client.expire_password_with_temp_password(uid)
    check(err is None, "expire_password_with_temp_password")
    # Operations without a response body answer (response, error).
    err = (await client.reset_factors(uid))[-1]
    check(err is None, "reset_factors")
    err = (await client.revoke_user_sessions(uid))[-1]
    check(err is None, "revoke sessions")

    # Errors: the SDK parses Okta's envelope.
    err = (await client.unlock_user(uid))[-1]
    check(err is not None and "E0000032" in str(err), f"unlock refused with E0000032 ({err})")
    _, _, err = await client.get_user("00unotarealuser00000")
    check(err is not None and "E0000007" in str(err), "unknown user -> E0000007")
    _, _, err = await client.create_user(new_user(2))
    check(err is not None and "E0000001" in str(err), "duplicate login -> E0000001")
    _, _, err = await client.list_users(search="status eq")
    check(err is not None and "E0000031" in str(err), "bad search -> E0000031")

    group, _, err = await client.add_group(AddGroupRequest.from_dict({"profile": {"name": "Py SDK Group", "description": "from python"}}))
    check(err is None and group.profile.actual_instance.name == "Py SDK Group", "create group")
    err = (await client.assign_user_to_group(group.id, uid))[-1]
    check(err is None, "add member")
    members, _, err = await client.list_group_users(group.id)
    check(err is None and [m.id for m in members] == [uid], "list members")
    groups, _, err = await client.list_groups(q="Py SDK")
    check(err is None and [g.id for g in groups] == [group.id], "find group by q")
    err = (await client.unassign_user_from_group(group.id, uid))[-1]
    members, _, _ = await client.list_group_users(group.id)
    check(err is None and members == [], "remove member")
    err = (await client.delete_group(group.id))[-1]
    check(err is None, "delete group")

    err = (await client.deactivate_user(uid))[-1]
    user, _, _ = await client.get_user(uid)
    check(err is None and status_of(user) == "DEPROVISIONED", "deactivate -> DEPROVISIONED")
    err = (await client.delete_user(uid))[-1]
    _, _, gone = await client.get_user(uid)
    check(err is None and gone is not None, "delete deactivated user")

    print(f"python sdk: {len(failures)} failure(s)")
    sys.exit(1 if failures else 0)


asyncio.run(main())
