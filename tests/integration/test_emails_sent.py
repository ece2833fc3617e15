from __future__ import annotations

import httpx

from tests import builders
from tests.conftest import Database
from tests.integration.test_api_bookings import booking
from tests.mail import MailRig, links, kinds


async def test_explore(client: httpx.AsyncClient, db: Database, mail: MailRig) -> None:
    catalog = builders.catalog(builders.store("shop"))
    ids = await db.load(catalog)
    r = await client.post("/api/v1/bookings", json=booking(catalog.tenant.key, ids["shop"]))
    print(r.json())
    sent = await mail.deliver()
    for m in sent:
        print(m.to, m.subject, m.message["X-Bookwidget-Kind"], links(m), [a[0] for a in m.attachments])
        print(m.text)
    d = [m for m in sent if m.to.startswith("shop")][0]
    from tests.mail import page_path
    p = page_path([l for l in links(d) if "/dealer/" in l][0]).split("?")[0]
    page = await client.get(p + "?do=reschedule&date=2027-03-24")
    import re
    print(re.findall(r'name="start" value="([^"]+)"', page.text)[:3])
    h = await client.head(p)
    print("HEAD", h.status_code, h.headers)
    g = await client.get(p + "/calendar.ics"); print(g.status_code, g.text)
    assert False
