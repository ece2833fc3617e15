"""Page objects: tests say what a person does, these know where to click (STYLE 12)."""

from __future__ import annotations

from playwright.async_api import Page, expect


class PartnerPage:
    """The demo partner's site, booking through the public API from its own origin."""

    def __init__(self, page: Page, url: str) -> None:
        self.page = page
        self.url = url

    async def open(self) -> None:
        await self.page.goto(self.url + "/api-client")

    async def search(self, query: str) -> None:
        await self.page.get_by_label("City, postal code or store name").fill(query)
        async with self.page.expect_response(lambda r: "/api/v1/locations?" in r.url):
            await self.page.get_by_role("button", name="Search").click()

    async def store_names(self) -> list[str]:
        return await self.page.get_by_test_id("store").all_inner_texts()

    async def choose_store(self, name: str) -> None:
        async with self.page.expect_response(lambda r: "/slots?" in r.url):
            await self.page.get_by_test_id("store").filter(has_text=name).click()

    async def choose_first_free_time(self) -> str:
        slot = self.page.get_by_test_id("slot").first
        await expect(slot).to_be_visible()
        time = await slot.inner_text()
        await slot.click()
        return time

    async def book_as(self, name: str, email: str, phone: str = "") -> str:
        await self.page.get_by_label("Name", exact=True).fill(name)
        await self.page.get_by_label("Email", exact=True).fill(email)
        await self.page.get_by_label("Phone", exact=True).fill(phone)
        async with self.page.expect_response(lambda r: r.url.endswith("/api/v1/bookings")):
            await self.page.get_by_role("button", name="Book").click()
        reference = self.page.get_by_test_id("reference")
        await expect(reference).to_be_visible()
        return (await reference.inner_text()).removeprefix("Reference ").strip()
