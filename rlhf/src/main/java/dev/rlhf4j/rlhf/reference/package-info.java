/**
 * The reference model pi_ref in every form the field uses, behind one interface, {@link
 * dev.rlhf4j.rlhf.reference.ReferenceModel}, that PPO, DPO and later trainers consume: a frozen copy, a half-precision
 * copy, weights streamed from a file block by block, the LoRA policy with its adapters off, log-probs precomputed for
 * a whole dataset, log-probs refreshed every k-th iteration, and a copy synchronised towards the policy (TR-DPO).
 * {@link dev.rlhf4j.rlhf.reference.WeightDivergence} and {@code verifyFrozen} are the checks trainers log.
 * {@link dev.rlhf4j.rlhf.reference.ReferenceKind} names the strategies a run chooses from and
 * {@link dev.rlhf4j.rlhf.reference.References#build} builds them; each fixed one describes itself as a
 * {@link dev.rlhf4j.rlhf.reference.ReferenceRecipe}, from which a Spark executor rebuilds it.
 */
package dev.rlhf4j.rlhf.reference;
