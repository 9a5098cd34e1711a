"""Reading one part of a page, found by its element id, as a user reads it."""

import html
import re
from html.parser import HTMLParser

# elements that never hold others, so they never open a level
VOID = {"br", "hr", "img", "input", "meta", "link", "source", "wbr"}


class _Section(HTMLParser):
    def __init__(self, element_id):
        super().__init__(convert_charrefs=False)
        self.element_id = element_id
        self.depth = 0
        self.parts = []

    def handle_starttag(self, tag, attrs):
        if self.depth:
            self.parts.append(self.get_starttag_text())
            if tag not in VOID:
                self.depth += 1
        elif dict(attrs).get("id") == self.element_id and tag not in VOID:
            self.depth = 1

    def handle_startendtag(self, tag, attrs):
        if self.depth:
            self.parts.append(self.get_starttag_text())

    def handle_endtag(self, tag):
        if not self.depth or tag in VOID:
            return
        self.depth -= 1
        if self.depth:
            self.parts.append(f"</{tag}>")

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)

    def handle_entityref(self, name):
        if self.depth:
            self.parts.append(f"&{name};")

    def handle_charref(self, name):
        if self.depth:
            self.parts.append(f"&#{name};")


def section(response, element_id):
    """The inner HTML of the element with ``element_id``; fails when there is none."""
    body = response.get_data(as_text=True)
    assert f'id="{element_id}"' in body, (
        f"no element with id {element_id!r} on the page"
    )
    parser = _Section(element_id)
    parser.feed(body)
    return "".join(parser.parts)


def plain(fragment):
    """Text of an HTML fragment with tags dropped and spaces squeezed."""
    fragment = re.sub(r"<(script|style)\b.*?</\1>", " ", fragment, flags=re.DOTALL)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def words(response, element_id):
    return plain(section(response, element_id))


def definitions(response, element_id):
    """The term -> description pairs of the definition lists in a section."""
    fragment = section(response, element_id)
    pairs = re.findall(
        r"<dt[^>]*>(.*?)</dt>\s*<dd[^>]*>(.*?)</dd>", fragment, re.DOTALL
    )
    return {plain(term): plain(description) for term, description in pairs}


def table_rows(response, element_id):
    """The body rows of the tables in a section, each a list of cell texts."""
    fragment = section(response, element_id)
    found = []
    for body in re.findall(r"<tbody[^>]*>(.*?)</tbody>", fragment, re.DOTALL):
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.DOTALL):
            found.append(
                [
                    plain(cell)
                    for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)
                ]
            )
    return found


def links(response, element_id=None):
    """(text, href) of every link, in a section or on the whole page."""
    fragment = (
        section(response, element_id) if element_id else response.get_data(as_text=True)
    )
    return [
        (plain(text), html.unescape(href))
        for href, text in re.findall(
            r'<a\b[^>]*href="([^"]*)"[^>]*>(.*?)</a>', fragment, re.DOTALL
        )
    ]


def buttons(response, element_id=None):
    """The labels of the buttons and button-styled links a user can press."""
    fragment = (
        section(response, element_id) if element_id else response.get_data(as_text=True)
    )
    found = re.findall(r"<button\b[^>]*>(.*?)</button>", fragment, re.DOTALL)
    found += re.findall(
        r'<a\b[^>]*class="[^"]*\bbtn\b[^"]*"[^>]*>(.*?)</a>', fragment, re.DOTALL
    )
    return sorted(plain(label) for label in found)
