"""Make every English translation its source text (the sources are written in English)."""

from babel.messages.pofile import read_po, write_po

PATH = "translations/en/LC_MESSAGES/messages.po"

with open(PATH, "rb") as f:
    catalog = read_po(f, locale="en")
for message in catalog:
    if message.id:
        message.string = message.id
with open(PATH, "wb") as f:
    write_po(f, catalog, width=0)
