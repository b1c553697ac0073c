package dev.mailcheck.address;

/** What the address stage makes of one input: a usable address, or the reason it is not one. */
public sealed interface ParsedAddress {

    /** The input exactly as it was given. */
    String input();

    record Valid(String input, EmailAddress address) implements ParsedAddress {
    }

    /** @param detail a sentence for the person who typed the address */
    record Invalid(String input, String detail) implements ParsedAddress {
    }
}
