import pytest

from server.web.widget.brand import brand_stylesheet, luminance, text_on


def test_only_the_given_brand_values_are_declared() -> None:
    css = brand_stylesheet([("colour", "#0b5fff"), ("radius", "12px")])
    assert "--bw-brand: #0b5fff;" in css
    assert "--bw-radius: 12px;" in css
    assert "--bw-font" not in css


@pytest.mark.parametrize(
    ("colour", "text"),
    [
        ("#ffffff", "#000000"),
        ("#000000", "#ffffff"),
        ("#0b5fff", "#ffffff"),
        ("#ffd700", "#000000"),
    ],
)
def test_text_on_the_brand_colour_is_whichever_of_black_and_white_contrasts_more(
    colour: str, text: str
) -> None:
    assert text_on(colour) == text


def test_luminance_follows_wcag() -> None:
    assert luminance("#ffffff") == pytest.approx(1.0)
    assert luminance("#000000") == 0.0
    assert luminance("#808080") == pytest.approx(0.2159, abs=1e-4)
