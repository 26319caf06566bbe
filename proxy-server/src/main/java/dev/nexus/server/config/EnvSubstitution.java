package dev.nexus.server.config;

import java.util.function.Function;

/**
 * Expands environment variable references in configuration values, the way a shell would for the
 * two forms people expect in container manifests:
 * <ul>
 *   <li>{@code ${VAR}}: the variable's value (empty if set to empty); an error if it is not set,</li>
 *   <li>{@code ${VAR:-default}}: the value, or {@code default} when unset or empty,</li>
 *   <li>{@code $${}: a literal {@code ${} (any other {@code $} is kept as is).</li>
 * </ul>
 * Error messages name the variable but never the value, since values are often secrets.
 */
final class EnvSubstitution {

    private final Function<String, String> environment;

    EnvSubstitution(Function<String, String> environment) {
        this.environment = environment;
    }

    /** The environment variable's value, or {@code null} when it is unset. */
    String variable(String name) {
        return environment.apply(name);
    }

    /** Why a value could not be expanded; the caller adds the file and field. */
    static final class SubstitutionException extends Exception {
        SubstitutionException(String problem) {
            super(problem, null, false, false);
        }
    }

    String expand(String value) throws SubstitutionException {
        if (value.indexOf('$') < 0) {
            return value;
        }
        StringBuilder out = new StringBuilder(value.length());
        int i = 0;
        while (i < value.length()) {
            char c = value.charAt(i);
            if (c == '$' && value.startsWith("$${", i)) {
                out.append("${");
                i += 3;
            } else if (c == '$' && value.startsWith("${", i)) {
                int close = value.indexOf('}', i + 2);
                if (close < 0) {
                    throw new SubstitutionException("unterminated ${ in value (write $${ for a literal ${)");
                }
                out.append(resolve(value.substring(i + 2, close)));
                i = close + 1;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private String resolve(String reference) throws SubstitutionException {
        int defaultMarker = reference.indexOf(":-");
        String name = defaultMarker >= 0 ? reference.substring(0, defaultMarker) : reference;
        if (!isValidName(name)) {
            throw new SubstitutionException("invalid environment variable reference ${" + reference
                    + "}: names are letters, digits and _, not starting with a digit");
        }
        String value = environment.apply(name);
        if (defaultMarker >= 0) {
            return value == null || value.isEmpty() ? reference.substring(defaultMarker + 2) : value;
        }
        if (value == null) {
            throw new SubstitutionException("environment variable " + name + " is not set (write ${"
                    + name + ":-default} to give a default)");
        }
        return value;
    }

    private static boolean isValidName(String name) {
        if (name.isEmpty() || Character.isDigit(name.charAt(0))) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
                return false;
            }
        }
        return true;
    }
}
