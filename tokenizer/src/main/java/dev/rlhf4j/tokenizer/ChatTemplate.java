package dev.rlhf4j.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's chat template: the Jinja program in {@code tokenizer_config.json}'s {@code chat_template} (or a
 * {@code chat_template.jinja} file) that lays a conversation out as the text the model was trained on, rendered as
 * transformers' {@code apply_chat_template(messages, tokenize=False, add_generation_prompt=...)} renders it, byte for
 * byte (see {@link PythonJinja} for the Python-Jinja behaviour this relies on). Encode the text with
 * {@link Tokenizer#encodeWithSpecialTokens}: the template writes control tokens such as {@code <|im_start|>} as text.
 * A template that raises, or uses something Jinjava cannot run, fails with one line naming it. Thread-safe.
 */
public final class ChatTemplate {

    private final String source;
    private final String template;          // source with step slices rewritten for Jinjava
    private final Map<String, Object> specialTokens;
    private final Jinjava jinjava;

    /**
     * @param source the template's Jinja text
     * @param specialTokens {@code bos_token}, {@code eos_token} etc. as the template sees them (text, not ids)
     */
    public ChatTemplate(String source, Map<String, String> specialTokens) {
        this.source = source;
        String body = source.endsWith("\n") ? source.substring(0, source.length() - 1) : source;
        this.template = PythonJinja.rewriteKeywordArguments(PythonJinja.rewriteSlices(
                PythonJinja.rewriteWhitespaceControl(body)));
        this.specialTokens = Map.copyOf(specialTokens);
        this.jinjava = PythonJinja.create();
    }

    /**
     * The chat template of a model folder: {@code chat_template.jinja} if present, else {@code tokenizer_config.json}'s
     * {@code chat_template} (a string, or a list of named templates of which {@code default} is taken), with that
     * file's {@code bos_token}, {@code eos_token}, {@code unk_token} and {@code pad_token}.
     *
     * @throws TokenizerException if the folder has no chat template
     */
    public static ChatTemplate load(Path dir) {
        Path configFile = dir.resolve("tokenizer_config.json");
        JsonNode config = Files.exists(configFile) ? TokenizerJson.readJson(configFile) : null;
        Map<String, String> tokens = new HashMap<>();
        for (String field : new String[] {"bos_token", "eos_token", "unk_token", "pad_token"}) {
            JsonNode value = config == null ? null : config.get(field);
            if (value != null && value.isTextual()) {
                tokens.put(field, value.asText());
            } else if (value != null && value.path("content").isTextual()) {
                tokens.put(field, value.path("content").asText());
            }
        }
        Path jinja = dir.resolve("chat_template.jinja");
        if (Files.exists(jinja)) {
            try {
                return new ChatTemplate(Files.readString(jinja, StandardCharsets.UTF_8), tokens);
            } catch (IOException e) {
                throw new TokenizerException("cannot read " + jinja.toAbsolutePath(), e);
            }
        }
        JsonNode chat = config == null ? null : config.get("chat_template");
        if (chat != null && chat.isArray()) {
            for (JsonNode named : chat) {
                if (named.path("name").asText().equals("default")) {
                    chat = named.path("template");
                }
            }
        }
        if (chat == null || !chat.isTextual()) {
            throw new TokenizerException("no chat template in " + dir.toAbsolutePath()
                    + " (no chat_template.jinja, and tokenizer_config.json has no chat_template string or \"default\")");
        }
        return new ChatTemplate(chat.asText(), tokens);
    }

    /** The template's Jinja source as written in the model's files. */
    public String source() {
        return source;
    }

    /** The conversation as text, ending with the assistant's header when {@code addGenerationPrompt}. */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(messages, addGenerationPrompt, Map.of());
    }

    /**
     * As {@link #render(List, boolean)}, with further template variables, e.g. {@code tools} (a list of JSON-schema
     * maps) or Qwen3's {@code enable_thinking}.
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, Map<String, Object> variables) {
        Map<String, Object> context = new HashMap<>(specialTokens);
        context.putAll(variables);
        context.put("messages", messages.stream().map(ChatMessage::asMap).toList());
        context.put("add_generation_prompt", addGenerationPrompt);
        RenderResult result;
        try {
            result = jinjava.renderForResult(template, context);
        } catch (PythonJinja.TemplateRaised e) {
            throw new TokenizerException("chat template raised an exception: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new TokenizerException("chat template failed: " + oneLine(String.valueOf(e.getMessage())), e);
        }
        for (TemplateError error : result.getErrors()) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw new TokenizerException(describe(error));
            }
        }
        return result.getOutput();
    }

    private static String describe(TemplateError error) {
        for (Throwable t = error.getException(); t != null; t = t.getCause()) {
            if (t instanceof PythonJinja.TemplateRaised) {
                return "chat template raised an exception: " + t.getMessage();
            }
            if (t instanceof TokenizerException) {
                return t.getMessage() + " (template line " + error.getLineno() + ")";
            }
        }
        String message = String.valueOf(error.getMessage());
        if (message.contains("TemplateRaised")) {
            return "chat template raised an exception: " + message.replaceAll(".*TemplateRaised:?\\s*", "");
        }
        return "chat template uses something unsupported at line " + error.getLineno() + ": " + oneLine(message)
                + (error.getFieldName() == null ? "" : " (in " + oneLine(error.getFieldName()) + ")");
    }

    private static String oneLine(String s) {
        return s.replaceAll("\\s*\\n\\s*", " ");
    }
}
