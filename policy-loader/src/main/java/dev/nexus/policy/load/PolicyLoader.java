package dev.nexus.policy.load;

import dev.nexus.policy.compile.PolicyCompiler;
import dev.nexus.policy.match.CompiledPolicy;
import dev.nexus.policy.model.DefaultPolicy;
import dev.nexus.policy.model.PolicyDocument;
import dev.nexus.policy.model.Route;
import dev.nexus.policy.model.SourceLocation;
import dev.nexus.policy.parse.ParsedFile;
import dev.nexus.policy.parse.PolicyParser;
import dev.nexus.policy.validate.Diagnostics;
import dev.nexus.policy.validate.PolicyValidator;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Parse -> merge -> validate -> compile, all or nothing: a policy with any error yields no
 * {@link CompiledPolicy}, only the full list of diagnostics.
 */
public final class PolicyLoader {

    private PolicyLoader() {
    }

    /** Loads a file or a directory of files; unreadable sources become diagnostics too. */
    public static LoadResult load(Path path) {
        List<SourceFile> sources;
        try {
            sources = PolicySources.read(path);
        } catch (IOException e) {
            Diagnostics diagnostics = new Diagnostics();
            diagnostics.error(new SourceLocation(path.toString(), 1, 1), "", "cannot read policy: " + e.getMessage());
            return new LoadResult(null, 0, List.of(), null, diagnostics.list());
        }
        return load(sources);
    }

    /** Like {@link #load(Path)}, but throws with every error when the policy is invalid. */
    public static CompiledPolicy loadOrThrow(Path path) throws PolicyLoadException {
        LoadResult result = load(path);
        if (!result.ok()) {
            throw new PolicyLoadException(result.errors());
        }
        return result.policy();
    }

    /** Loads already-read sources, merged in the given order. */
    public static LoadResult load(List<SourceFile> sources) {
        Diagnostics diagnostics = new Diagnostics();
        List<Route> routes = new ArrayList<>();
        List<String> files = new ArrayList<>();
        DefaultPolicy defaults = null;
        for (SourceFile source : sources) {
            ParsedFile parsed = PolicyParser.parse(source.name(), source.content());
            diagnostics.addAll(parsed.diagnostics());
            files.add(source.name());
            routes.addAll(parsed.routes());
            if (parsed.defaults() != null) {
                if (defaults != null) {
                    diagnostics.error(parsed.defaults().location(), "defaults", "defaults already set at "
                            + defaults.location() + "; set defaults in one file only");
                } else {
                    defaults = parsed.defaults();
                }
            }
        }
        PolicyDocument document = new PolicyDocument(files, defaults == null ? DefaultPolicy.DENY : defaults, routes);
        diagnostics.addAll(PolicyValidator.validate(document));
        CompiledPolicy policy = diagnostics.hasErrors() ? null : PolicyCompiler.compile(document);
        return new LoadResult(policy, routes.size(), files, PolicySources.contentHash(sources), diagnostics.list());
    }
}
