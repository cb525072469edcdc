#!/usr/bin/env python3
"""Interoperability: the third-party `cs` client (PyPI), unmodified, drives `zenith sim` the way a
customer's tooling would. Usage: cs_interop.py ENDPOINT API_KEY SECRET_KEY — exits non-zero on the
first broken expectation, naming it."""
import ipaddress
import sys

from cs import CloudStack, CloudStackApiException

endpoint, key, secret = sys.argv[1:4]
admin = CloudStack(endpoint=endpoint, key=key, secret=secret, poll_interval=0.2, job_timeout=60, fetch_result=True)


def expect(cond, what):
    if not cond:
        print("FAIL:", what)
        sys.exit(1)
    print("ok:", what)


def refused(call, code, what):
    try:
        call()
    except CloudStackApiException as e:
        expect(e.error.get("errorcode") == code, f"{what} (errorcode {e.error.get('errorcode')})")
        return
    expect(False, f"{what}: the call was accepted")


# A customer of its own, with its own keys, as Zenith provisions one.
domain = admin.createDomain(name="interop")["domain"]
account = admin.createAccount(accounttype=0, account="interop", username="interop", password="unused-secret-pw",
                              email="interop@example.com", firstname="Inter", lastname="Op", domainid=domain["id"])["account"]
keys = admin.registerUserKeys(id=account["user"][0]["id"])["userkeys"]
api = CloudStack(endpoint=endpoint, key=keys["apikey"], secret=keys["secretkey"], poll_interval=0.2, job_timeout=60, fetch_result=True)

zones = api.listZones()["zone"]
expect([z["name"] for z in zones] == ["Amsterdam", "Barcelona", "Miami", "Tokyo", "Los Angeles"], "five zones")
expect(all(z["networktype"] == "Basic" and z["securitygroupsenabled"] is True for z in zones), "Basic networking with security groups")
offerings = api.listServiceOfferings()["serviceoffering"]
expect({o["storagetype"] for o in offerings} == {"local", "shared"}, "Agile (local) and Stamina (shared) offerings")
tokyo = next(z for z in zones if z["name"] == "Tokyo")
templates = api.listTemplates(templatefilter="executable", zoneid=tokyo["id"])["template"]
expect(len(templates) >= 3 and all(t["isready"] for t in templates), "templates ready in Tokyo")

group = api.createSecurityGroup(name="web", description="web servers")["securitygroup"]
agile = next(o for o in offerings if o["storagetype"] == "local")
vm = api.deployVirtualMachine(zoneid=tokyo["id"], serviceofferingid=agile["id"], templateid=templates[0]["id"],
                              name="interop-1", securitygroupids=group["id"])["virtualmachine"]
expect(vm["state"] == "Running", "deployed and running after the job")
listed = api.listVirtualMachines(id=vm["id"])["virtualmachine"][0]
nic = listed["nic"][0]
v4 = ipaddress.IPv4Address(nic["ipaddress"])
v6 = ipaddress.IPv6Address(nic["ip6address"])
expect(v4 in ipaddress.IPv4Network("198.51.100.128/25"), f"an RFC 5737 IPv4 address ({v4})")
expect(v6 in ipaddress.IPv6Network(nic["ip6cidr"]) and nic["ip6gateway"], f"an IPv6 address in the zone's /64 ({v6})")

rule = api.authorizeSecurityGroupIngress(securitygroupid=group["id"], protocol="tcp", startport=22, endport=22, cidrlist="::/0")
expect([r["cidr"] for r in rule["securitygroup"]["ingressrule"]] == ["::/0"], "an IPv6 ingress rule")
refused(lambda: api.authorizeSecurityGroupIngress(securitygroupid=group["id"], protocol="tcp", startport=80, endport=22, cidrlist="::/0"),
        431, "a reversed port range is refused")

stopped = api.stopVirtualMachine(id=vm["id"])["virtualmachine"]
expect(stopped["state"] == "Stopped", "stopped")
api.destroyVirtualMachine(id=vm["id"], expunge=True)
refused(lambda: api.listVirtualMachines(id=vm["id"]), 431, "a destroyed and expunged instance is gone")
refused(lambda: CloudStack(endpoint=endpoint, key=keys["apikey"], secret="wrong").listZones(), 401, "a bad signature gets 401")
print("cs interop: all checks hold")
