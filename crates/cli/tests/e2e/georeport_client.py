"""The PyPI `georeport` client (Open311 GeoReport v2) against a running xinfang.

Usage: georeport_client.py ROOT_URL API_KEY   (ROOT_URL like http://127.0.0.1:8080/open311/v2)

Lists the services, reads a service definition, posts a request and reads it back, in JSON and
in XML. georeport 0.3.1 reads only ("GeoReport does not currently support the creation of new
311 service requests"), so the POST is made as the specification describes (form-encoded, with
api_key) through `requests`, the client's own dependency.
"""
import sys

import requests
from georeport import GeoReport

root, api_key = sys.argv[1], sys.argv[2]

client = GeoReport(root, jurisdiction="taiyuan", api_key=api_key)
services = client.get_service_list()
codes = [s["service_code"] for s in services]
assert "urban" in codes, codes
definition = client.get_service_definition("urban")
county = next(a for a in definition["attributes"] if a["code"] == "county")
assert county["datatype"] == "singlevaluelist", county
county_code = county["values"][0]["key"]

resp = requests.post(
    f"{root}/requests.json",
    data={
        "api_key": api_key,
        "jurisdiction_id": "taiyuan",
        "service_code": "urban",
        "address_string": "示例路 1 号",
        "attribute[county]": county_code,
        "first_name": "小红",
        "last_name": "司马",
        "phone": "13900001111",
        "description": "路灯损坏，夜间出行不便",
    },
    timeout=30,
)
resp.raise_for_status()
created = resp.json()[0]
sid = created["service_request_id"]

one = client.get_service_request(sid)
assert one["service_request_id"] == sid and one["status"] == "open", one
listed = client.get_service_requests(service_request_id=sid)
assert [r["service_request_id"] for r in listed] == [sid], listed
assert any(r["service_request_id"] == sid for r in client.get_service_requests(status="open"))

xml = GeoReport(root, jurisdiction="taiyuan", output_format="xml")
xml_services = xml.get_service_list()
assert any(s["service_code"] == "urban" for s in xml_services), xml_services
assert xml.get_service_definition("urban")["service_code"] == "urban"
xml_one = xml.get_service_request(sid)
assert xml_one["service_request_id"] == sid and xml_one["status"] == "open", xml_one

text = repr([services, one, listed, xml_one])
for secret in ("司马", "小红", "13900001111", "路灯损坏"):
    assert secret not in text, secret
print("OK", sid, len(services), "services")
