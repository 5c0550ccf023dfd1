using System.Text.Json;
using Gateway.Policy.Serialization;
using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Tests;

/// <summary>Runs the table-driven conformance corpus in Conformance/*.cases.yaml.</summary>
public sealed class ConformanceTests
{
    public static TheoryData<string> DecisionCaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var (file, _, item) in ConformanceCorpus.DecisionCases())
        {
            data.Add($"{file}:{YamlToJson.Text(item.Children[new YamlScalarNode("name")])}");
        }

        return data;
    }

    public static TheoryData<string> InvalidCaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var item in ConformanceCorpus.InvalidBundleCases())
        {
            data.Add(YamlToJson.Text(item.Children[new YamlScalarNode("name")]));
        }

        return data;
    }

    [Fact]
    public void Corpus_HasAtLeastSixtyCases()
    {
        Assert.True(DecisionCaseNames().Count + InvalidCaseNames().Count >= 60);
    }

    [Theory]
    [MemberData(nameof(DecisionCaseNames))]
    public void Evaluate_ConformanceCase_MatchesExpectation(string caseId)
    {
        var (file, bundleName, item) = ConformanceCorpus.DecisionCases().Single(c => $"{c.File}:{Get(c.Case, "name")}" == caseId);
        var tenant = ConformanceCorpus.Bundle(Get(item, "bundle") ?? bundleName);
        var caller = new AuthenticatedCaller(Get(item, "tenant") ?? tenant.Slug, Get(item, "workspace") ?? "ws-1", Get(item, "agent") ?? "good");
        var request = JsonSerializer.Deserialize(YamlToJson.Convert(item.Children[new YamlScalarNode("request")]), PolicyJsonContext.Default.ActionRequest)!;

        var decision = DecisionEngine.Instance.Evaluate(tenant, caller, request);
        if (Get(item, "warrant") is { } warrant)
        {
            decision = decision.WithWarrant(warrant == "true" ? decision.IntentDigest : warrant);
        }

        var expect = (YamlMappingNode)item.Children[new YamlScalarNode("expect")];
        var context = $"{file} {caseId}: {JsonSerializer.Serialize(DecisionResponse.For(decision), PolicyJsonContext.Default.DecisionResponse)}";
        foreach (var (keyNode, value) in expect.Children)
        {
            var key = YamlToJson.Text(keyNode);
            switch (key)
            {
                case "decision":
                    Assert.True(WireNames.Of(decision.Kind) == YamlToJson.Text(value), $"decision {WireNames.Of(decision.Kind)} != {YamlToJson.Text(value)}; {context}");
                    break;
                case "would_be":
                    Assert.True(WireNames.Of(decision.WouldBe) == YamlToJson.Text(value), $"would_be; {context}");
                    break;
                case "failing":
                    AssertSet(List(value), Controls(decision, r => r.Outcome == ControlOutcome.Fail), key, context);
                    break;
                case "obligations":
                    AssertSet(List(value), Controls(decision, r => r.ApprovalRequired), key, context);
                    break;
                case "passed":
                    AssertSubset(List(value), Controls(decision, r => r.Outcome == ControlOutcome.Pass), key, context);
                    break;
                case "not_applicable":
                    AssertSubset(List(value), Controls(decision, r => r.Outcome == ControlOutcome.NotApplicable), key, context);
                    break;
                case "path":
                    Assert.True(decision.Explanation.DecisionPath.Count == YamlToJson.Int(value), $"path length; {context}");
                    break;
                case "approvers":
                    Assert.True(List(value).SequenceEqual(decision.Approvers), $"approvers [{string.Join(",", decision.Approvers)}]; {context}");
                    break;
                case "approvals_required":
                    Assert.True(decision.ApprovalsRequired == YamlToJson.Int(value), $"approvals_required; {context}");
                    break;
                case "reason_codes":
                    AssertSubset(List(value), [.. decision.Explanation.RuleTriggers.Select(t => t.ReasonCode)], key, context);
                    break;
                case "no_reason_codes":
                    Assert.True(!decision.Explanation.RuleTriggers.Any(t => List(value).Contains(t.ReasonCode)), $"{key}; {context}");
                    break;
                case "what_would_change":
                    var expected = List(value);
                    if (expected.Count == 0)
                    {
                        Assert.True(decision.Explanation.WhatWouldChange.Count == 0, $"{key} should be empty; {context}");
                    }

                    foreach (var fragment in expected)
                    {
                        Assert.True(decision.Explanation.WhatWouldChange.Any(w => w.Contains(fragment, StringComparison.Ordinal)), $"{key} lacks '{fragment}'; {context}");
                    }

                    break;
                case "degrade_mode":
                    Assert.True(decision.Degrade is { } d && WireNames.Of(d.Mode) == YamlToJson.Text(value), $"{key}; {context}");
                    break;
                case "open_risks":
                    AssertSet(List(value), [.. decision.Explanation.OpenRisks.Select(r => r.Id)], key, context);
                    break;
                case "error":
                    Assert.True(decision.Explanation.Error == YamlToJson.Text(value), $"{key}; {context}");
                    break;
                case "has_intent_digest":
                    Assert.True(decision.IntentDigest.Length == 64 == (YamlToJson.Text(value) == "true"), $"{key}; {context}");
                    break;
                case "warrant_applied":
                    Assert.True(decision.WarrantApplied == (YamlToJson.Text(value) == "true"), $"{key}; {context}");
                    break;
                case "simulated":
                    Assert.True(decision.Simulated == (YamlToJson.Text(value) == "true"), $"{key}; {context}");
                    break;
                case "evaluate_only":
                    Assert.True(decision.EvaluateOnly == (YamlToJson.Text(value) == "true"), $"{key}; {context}");
                    break;
                case "may_execute":
                    Assert.True(decision.MayExecute == (YamlToJson.Text(value) == "true"), $"{key}; {context}");
                    break;
                case "opens_incident":
                    Assert.True(decision.OpensIncident == (YamlToJson.Text(value) == "true"), $"{key}; {context}");
                    break;
                default:
                    Assert.Fail($"unknown expectation '{key}' in {caseId}");
                    break;
            }
        }
    }

    [Theory]
    [MemberData(nameof(InvalidCaseNames))]
    public void LoadTenantText_InvalidBundle_ReportsEveryExpectedError(string name)
    {
        var item = ConformanceCorpus.InvalidBundleCases().Single(c => Get(c, "name") == name);
        var result = Bundles.PolicyBundleLoader.LoadTenantText(name + ".yaml", Get(item, "yaml")!, ConformanceCorpus.Directory);
        var context = string.Join(Environment.NewLine, result.Errors);

        Assert.Null(result.Tenant);
        foreach (YamlMappingNode expected in ((YamlSequenceNode)item.Children[new YamlScalarNode("errors")]).Children)
        {
            var code = Get(expected, "code");
            var line = Get(expected, "line");
            Assert.True(
                result.Errors.Any(e => e.Code == code && (line is null || e.Line.ToString(System.Globalization.CultureInfo.InvariantCulture) == line) && e.Column > 0 && e.File == name + ".yaml"),
                $"expected {code} at line {line}; got:{Environment.NewLine}{context}");
        }

        if (Get(item, "count") is { } count)
        {
            Assert.True(result.Errors.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) == count, $"expected {count} errors; got:{Environment.NewLine}{context}");
        }
    }

    private static string? Get(YamlMappingNode node, string key)
        => node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? YamlToJson.Text(value) : null;

    private static List<string> List(YamlNode node) => [.. ((YamlSequenceNode)node).Children.Select(YamlToJson.Text)];

    private static List<string> Controls(Decision decision, Func<ControlResult, bool> predicate)
        => [.. decision.Explanation.DecisionPath.Where(predicate).Select(r => WireNames.Of(r.Control))];

    private static void AssertSet(List<string> expected, List<string> actual, string what, string context)
        => Assert.True(expected.Order().SequenceEqual(actual.Order()), $"{what}: expected [{string.Join(",", expected)}], got [{string.Join(",", actual)}]; {context}");

    private static void AssertSubset(List<string> expected, List<string> actual, string what, string context)
        => Assert.True(expected.All(actual.Contains), $"{what}: expected [{string.Join(",", expected)}] within [{string.Join(",", actual)}]; {context}");
}
