import pytest

from penpal.contact import ContactRoute, InvalidContact, parse_contact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("anna@example.org", ContactRoute("email", "anna@example.org")),
        ("  Anna@Example.ORG ", ContactRoute("email", "Anna@example.org")),
        ("josé@exämple.de", ContactRoute("email", "josé@exämple.de")),
        ("+44 (0)20 7946-0958", ContactRoute("phone", "+4402079460958")),
        ("030 1234567", ContactRoute("phone", "0301234567")),
    ],
)
def test_valid_routes_are_normalised(text: str, expected: ContactRoute) -> None:
    assert parse_contact(text) == expected


@pytest.mark.parametrize(
    "text", ["", "   ", "anna@", "anna@@example.org", "anna at example dot org", "12345",
             "📧📧📧", "x" * 10_000 + "@example.org"],
)
def test_unusable_routes_are_refused_with_a_reason(text: str) -> None:
    with pytest.raises(InvalidContact) as error:
        parse_contact(text)
    assert str(error.value)
