package dev.rlhf4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Qwen3's chat template against the 24 conversations of {@code fixtures/qwen3-tokenizer/chat_vectors.json}, rendered
 * by transformers' {@code apply_chat_template} (jinja2) with and without the generation prompt: the text byte for
 * byte, and its ids with special tokens recognised.
 */
class ChatTemplateVectorsTest {

    private static ChatTemplate qwen;
    private static Tokenizer tokenizer;
    private static JsonNode conversations;

    @BeforeAll
    static void load() {
        qwen = ChatTemplate.load(Fixtures.path("qwen3-tiny-chat"));
        tokenizer = Tokenizers.load(Fixtures.path("qwen3-tiny-chat"));
        conversations = Fixtures.json("qwen3-tokenizer/chat_vectors.json").get("conversations");
    }

    static List<ChatMessage> messages(JsonNode conversation) {
        List<ChatMessage> out = new ArrayList<>();
        for (JsonNode m : conversation.get("messages")) {
            out.add(new ChatMessage(m.get("role").asText(), m.get("content").asText()));
        }
        return out;
    }

    @Test
    void everyConversationRendersToItsTextAndIds() {
        assertEquals(24, conversations.size());
        List<String> failures = new ArrayList<>();
        for (JsonNode c : conversations) {
            String expected = c.get("text").asText();
            String text = qwen.render(messages(c), c.get("add_generation_prompt").asBoolean());
            if (!text.equals(expected)) {
                failures.add("expected\n" + expected + "\nactual\n" + text);
            } else if (!Arrays.equals(Fixtures.ints(c.get("ids")), tokenizer.encodeWithSpecialTokens(text))) {
                failures.add("ids of " + Fixtures.escape(text));
            }
        }
        assertEquals(List.of(), failures.subList(0, Math.min(3, failures.size())), failures.size() + " failures");
    }

    @Test
    void qwen3ThinkingSwitchAddsAnEmptyThinkBlock() {
        String text = qwen.render(List.of(ChatMessage.user("hi")), true, java.util.Map.of("enable_thinking", false));
        assertEquals("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n", text);
        int[] ids = tokenizer.encodeWithSpecialTokens(text);
        assertEquals(151668, ids[ids.length - 2], "</think> is one added token");
    }

    @Test
    void reasoningContentIsMovedIntoTheThinkBlockOfTheLastTurn() {
        String text = qwen.render(List.of(ChatMessage.user("2+2?"),
                ChatMessage.assistant("<think>\nadd them\n</think>\n\n4")), false);
        assertEquals("<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n<think>\nadd them\n</think>\n\n4"
                + "<|im_end|>\n", text);
    }

    @Test
    void llama2StyleTemplateRaisesOnASystemTurn() {
        ChatTemplate sp = ChatTemplate.load(Fixtures.path("sp-bpe-tokenizer"));
        assertEquals("<s>[INST] hi [/INST]ok</s>", sp.render(List.of(ChatMessage.user("hi"), ChatMessage.assistant("ok")), false));
        TokenizerException e = org.junit.jupiter.api.Assertions.assertThrows(TokenizerException.class,
                () -> sp.render(List.of(ChatMessage.system("be brief")), false));
        assertEquals("chat template raised an exception: Only user and assistant roles are supported!", e.getMessage());
    }
}
