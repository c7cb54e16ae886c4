/**
 * The one seam between models and everything that uses them. {@link dev.rlhf4j.nn.model.CausalLM} (a trunk and an LM
 * head) and {@link dev.rlhf4j.nn.model.DecoderModel} (the trunk that reward and value heads also sit on) are what
 * trainers, references, rollouts and generation see; {@link dev.rlhf4j.nn.model.ModelConfig} is config.json under
 * family-neutral names; {@link dev.rlhf4j.nn.model.AutoModel} reads {@code model_type} and builds the right
 * {@link dev.rlhf4j.nn.model.ModelFamily}. Adding a family touches nn only: its package and one line in AutoModel.
 */
package dev.rlhf4j.nn.model;
