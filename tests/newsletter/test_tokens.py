from penpal.newsletter.tokens import find_code, new_code, normalize_code


def test_codes_start_with_a_letter_and_are_found_in_what_readers_type() -> None:
    for _ in range(200):
        code = new_code()
        assert len(code) == 9 and code[4] == "-" and code[0].isalpha()
        assert any(ch.isdigit() for ch in code)
        assert find_code(f"my code is {code.lower()}") == normalize_code(code)
    assert find_code("it's k7pm 2xqd thanks") == "K7PM2XQD"
    assert find_code("my code is 482913") is None  # a six-digit link code
    assert find_code("my password is changing") is None
