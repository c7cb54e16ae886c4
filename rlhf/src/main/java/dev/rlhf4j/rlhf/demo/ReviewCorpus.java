package dev.rlhf4j.rlhf.demo;

import static dev.rlhf4j.rlhf.demo.SentimentLexicon.NEGATIVE_ADJECTIVES;
import static dev.rlhf4j.rlhf.demo.SentimentLexicon.NEGATIVE_ADVERBS;
import static dev.rlhf4j.rlhf.demo.SentimentLexicon.NEGATIVE_NOUNS;
import static dev.rlhf4j.rlhf.demo.SentimentLexicon.NEGATIVE_VERBS;
import static dev.rlhf4j.rlhf.demo.SentimentLexicon.POSITIVE_ADJECTIVES;
import static dev.rlhf4j.rlhf.demo.SentimentLexicon.POSITIVE_ADVERBS;
import static dev.rlhf4j.rlhf.demo.SentimentLexicon.POSITIVE_NOUNS;
import static dev.rlhf4j.rlhf.demo.SentimentLexicon.POSITIVE_VERBS;

import dev.rlhf4j.rlhf.data.CompletionExample;
import dev.rlhf4j.tokenizer.BpeTrainer;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The demo's synthetic corpus: short reviews of products and of films, books and albums, written by a small
 * grammar. A prompt names the thing reviewed ({@code "Review of the blender:"}); its completion is one or two
 * short sentences, positive, negative or mixed, with negations ("The lid is not flimsy.") and neutral filler
 * ("I got it last week."), followed by the end marker {@code <|endoftext|>}. The grammar draws from a
 * {@link Random} with the given seed, whose algorithm Java specifies, so a seed gives the same reviews on every
 * JVM. The vocabulary is about 125 words: a byte-level BPE trained on 4,000 reviews runs out of pairs after about
 * 370 merges (a vocabulary of about 630 with the end marker), when every word with its leading space and every
 * punctuation mark is one token; a completion is then at most about 16 tokens.
 */
public final class ReviewCorpus {
    /** Ends every completion; the BPE vocabulary's special token and the model's EOS. */
    public static final String END = Gpt2Tokenizer.END_OF_TEXT;

    /** One review: {@code prompt} ends with a colon, {@code completion} starts with a space and has no end marker. */
    public record Review(String prompt, String completion) {
        /** Prompt, completion and end marker: one document of the SFT corpus. */
        public String text() {
            return prompt + completion + END;
        }
    }

    private record Topic(List<String> items, List<String> aspects, List<String> neutral) {
    }

    private static final Topic PRODUCTS = new Topic(
            List.of("blender", "kettle", "toaster", "lamp", "backpack", "headphones", "phone", "camera", "chair",
                    "jacket", "watch", "speaker", "keyboard", "mattress"),
            List.of("price", "design", "battery", "sound", "handle", "lid", "size", "screen"),
            List.of("I got it last week.", "I got it last month.", "My sister has one too.", "It came in a small box.",
                    "I use it every day."));
    private static final Topic WORKS = new Topic(
            List.of("film", "novel", "album", "show", "game", "play", "podcast", "comic", "musical", "documentary"),
            List.of("plot", "acting", "ending", "music", "pacing", "cast", "story", "dialogue"),
            List.of("I saw it with a friend.", "It runs for two hours.", "My brother told me about it.",
                    "I finished it last night."));
    private static final List<String> INTENSIFIERS = List.of("", "", "very ", "really ", "quite ");

    private final List<Review> reviews;

    private ReviewCorpus(List<Review> reviews) {
        this.reviews = List.copyOf(reviews);
    }

    /** {@code size} reviews drawn by the grammar from {@code new Random(seed)}. */
    public static ReviewCorpus generate(int size, long seed) {
        if (size <= 0) {
            throw new IllegalArgumentException("ReviewCorpus: size must be positive, got " + size);
        }
        Random random = new Random(seed);
        List<Review> reviews = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            Topic topic = random.nextInt(3) < 2 ? PRODUCTS : WORKS;
            String prompt = prompt(pick(topic.items(), random));
            reviews.add(new Review(prompt, completion(topic, random)));
        }
        return new ReviewCorpus(reviews);
    }

    /** {@code count} prompts for PPO rollouts and evaluation, drawn from the same items as the corpus. */
    public static List<String> prompts(int count, long seed) {
        Random random = new Random(seed);
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Topic topic = random.nextInt(3) < 2 ? PRODUCTS : WORKS;
            out.add(prompt(pick(topic.items(), random)));
        }
        return out;
    }

    /** Every prompt the grammar can write, in a fixed order. */
    public static List<String> allPrompts() {
        List<String> out = new ArrayList<>();
        PRODUCTS.items().forEach(item -> out.add(prompt(item)));
        WORKS.items().forEach(item -> out.add(prompt(item)));
        return out;
    }

    public List<Review> reviews() {
        return reviews;
    }

    /** The reviews as documents (prompt, completion, end marker), for BPE training. */
    public List<String> documents() {
        return reviews.stream().map(Review::text).toList();
    }

    /** A byte-level BPE of {@code numMerges} merges learned on the corpus, {@code <|endoftext|>} as its last id. */
    public Gpt2Tokenizer trainTokenizer(int numMerges) {
        return BpeTrainer.train(documents(), numMerges, true).tokenizer();
    }

    /** The SFT examples: prompt ids, completion ids with the EOS id appended. */
    public List<CompletionExample> sftExamples(Gpt2Tokenizer tokenizer) {
        List<CompletionExample> out = new ArrayList<>(reviews.size());
        for (Review review : reviews) {
            out.add(new CompletionExample(tokenizer.encode(review.prompt()), withEos(tokenizer.encode(review.completion()),
                    tokenizer.eosTokenId())));
        }
        return out;
    }

    private static int[] withEos(int[] ids, int eos) {
        int[] out = java.util.Arrays.copyOf(ids, ids.length + 1);
        out[ids.length] = eos;
        return out;
    }

    private static String prompt(String item) {
        return "Review of the " + item + ":";
    }

    /** One or two sentences: positive, negative (two fifths each) or mixed (one fifth, one of each polarity). */
    private static String completion(Topic topic, Random random) {
        int kind = random.nextInt(5);
        List<String> sentences = new ArrayList<>(2);
        if (kind == 4) {
            boolean positiveFirst = random.nextBoolean();
            sentences.add(sentence(topic, positiveFirst, random));
            sentences.add(sentence(topic, !positiveFirst, random));
        } else {
            boolean positive = kind < 2;
            sentences.add(sentence(topic, positive, random));
            int second = random.nextInt(10);
            if (second < 3) {
                sentences.add(sentence(topic, positive, random));
            } else if (second < 6) {
                sentences.add(random.nextBoolean() ? 0 : 1, pick(topic.neutral(), random));
            }
        }
        return " " + String.join(" ", sentences);
    }

    /** One sentence of the given polarity; the negated shapes use a word of the opposite polarity. */
    private static String sentence(Topic topic, boolean positive, Random random) {
        String aspect = pick(topic.aspects(), random);
        String intensity = pick(INTENSIFIERS, random);
        return switch (random.nextInt(8)) {
            case 0 -> "It is " + intensity + adjective(positive, random) + ".";
            case 1, 2 -> "The " + aspect + " is " + intensity + adjective(positive, random) + ".";
            case 3 -> "The " + aspect + (random.nextBoolean() ? " is not " : " isn't ") + adjective(!positive, random) + ".";
            case 4 -> "I " + pick(positive ? POSITIVE_VERBS : NEGATIVE_VERBS, random) + " it.";
            case 5 -> (random.nextBoolean() ? "I would not " : "I don't ") + pick(positive ? NEGATIVE_VERBS : POSITIVE_VERBS, random) + " it.";
            case 6 -> "What a " + pick(positive ? POSITIVE_NOUNS : NEGATIVE_NOUNS, random) + ".";
            default -> "It works " + pick(positive ? POSITIVE_ADVERBS : NEGATIVE_ADVERBS, random) + ".";
        };
    }

    private static String adjective(boolean positive, Random random) {
        return pick(positive ? POSITIVE_ADJECTIVES : NEGATIVE_ADJECTIVES, random);
    }

    private static <T> T pick(List<T> list, Random random) {
        return list.get(random.nextInt(list.size()));
    }
}
