package dev.rlhf4j.tokenizer;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One turn of a conversation as chat templates read it: {@code role} ({@code system}, {@code user},
 * {@code assistant}, {@code tool}), {@code content}, and any further fields a template may look at
 * ({@code reasoning_content}, {@code tool_calls}, {@code name}), which are passed to it unchanged.
 *
 * @param role who speaks
 * @param content what is said (may be null for an assistant turn that only calls tools)
 * @param fields further fields by their JSON name; values are strings, numbers, booleans, lists and maps
 */
public record ChatMessage(String role, String content, Map<String, Object> fields) {

    public ChatMessage {
        if (role == null) {
            throw new IllegalArgumentException("a chat message needs a role");
        }
        fields = Map.copyOf(fields);
    }

    /** A message with only a role and content. */
    public ChatMessage(String role, String content) {
        this(role, content, Map.of());
    }

    public static ChatMessage system(String content) {
        return new ChatMessage("system", content);
    }

    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content);
    }

    /** The message as the template sees it: {@code {"role": ..., "content": ..., ...fields}}. */
    Map<String, Object> asMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("role", role);
        map.put("content", content);
        map.putAll(fields);
        return map;
    }
}
