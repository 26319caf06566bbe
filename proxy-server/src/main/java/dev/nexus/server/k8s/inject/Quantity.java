package dev.nexus.server.k8s.inject;

import java.util.regex.Pattern;

/**
 * Checks Kubernetes resource quantities ({@code 100m}, {@code 0.5}, {@code 128Mi}, {@code 1G}, {@code 1e3})
 * so a bad annotation is refused by the webhook with a message naming it, instead of surfacing later as an
 * API-server error about a container the user never wrote.
 */
final class Quantity {

    /** The API server's grammar: a signed decimal, then a binary or decimal SI suffix or an exponent. */
    private static final Pattern QUANTITY =
            Pattern.compile("^[+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$");

    private Quantity() {
    }

    static boolean isValid(String text) {
        return text != null && QUANTITY.matcher(text).matches();
    }
}
