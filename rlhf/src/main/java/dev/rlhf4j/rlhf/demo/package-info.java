/**
 * The pieces of {@code ./rlhf4j demo} that do not train: the synthetic review corpus ({@link
 * dev.rlhf4j.rlhf.demo.ReviewCorpus}), the hidden gold reward that plays the human ({@link
 * dev.rlhf4j.rlhf.demo.GoldReward}), Bradley-Terry preference labels ({@link dev.rlhf4j.rlhf.demo.PreferenceLabeller}),
 * and the report: statistics with Apache Commons Math ({@link dev.rlhf4j.rlhf.demo.DemoStatistics}), summary.json and
 * report.md ({@link dev.rlhf4j.rlhf.demo.DemoReport}), PNG plots ({@link dev.rlhf4j.rlhf.demo.DemoPlots}) and the
 * terminal table ({@link dev.rlhf4j.rlhf.demo.SummaryTable}). The trainers feed it plain arrays of numbers and strings.
 */
package dev.rlhf4j.rlhf.demo;
