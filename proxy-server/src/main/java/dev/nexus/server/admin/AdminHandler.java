package dev.nexus.server.admin;

import java.util.concurrent.CompletionStage;

/**
 * Answers one admin route. Runs on the admin event loop: answer directly when the work is quick and
 * non-blocking, otherwise return a stage that completes later (e.g. after a Redis call).
 */
@FunctionalInterface
public interface AdminHandler {
    CompletionStage<AdminResponse> handle(AdminRequest request);
}
