/**
 * Cross-module tests: GPT-2 against recorded Hugging Face references, RLHF quantities end to end, and
 * property tests that span modules.
 */
package dev.rlhf4j.tests;
