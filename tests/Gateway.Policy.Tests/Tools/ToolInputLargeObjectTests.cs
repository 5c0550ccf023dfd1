using System.Globalization;
using System.Text;
using System.Text.Json;
using Gateway.Policy.Tools;

namespace Gateway.Policy.Tests.Tools;

/// <summary>
/// Large argument objects: one of more members than <see cref="ToolInputRefusal.MaxObjectMembers"/> is refused before the
/// schema is read (the detail <c>gate eval</c> gives too), and one within the bound matches its properties, folded names
/// and <c>required</c> as a small one does; validating one whose every member is refused stops at
/// <see cref="ToolInputSchema.MaxErrors"/> errors (the refusal names five and says more exist).
/// </summary>
public sealed class ToolInputLargeObjectTests
{
    private const string Schema = """
        {"type":"object","properties":{"account_id":{"type":"string"},"amount":{"type":"integer","maximum":10}},
         "required":["account_id","amount","memo"],"additionalProperties":{"type":"integer"}}
        """;

    [Fact]
    public void Explain_ObjectOfMoreMembersThanTheBound_IsRefusedBeforeTheSchema()
    {
        using var schema = JsonDocument.Parse(Schema);
        using var arguments = JsonDocument.Parse("""{"deep":{"list":[""" + Members(ToolInputRefusal.MaxObjectMembers + 1) + "]}}");

        var detail = ToolInputRefusal.Explain(schema.RootElement, arguments.RootElement);

        Assert.Equal(
            "The arguments hold an object of more than 10000 members ($.deep.list[0]); the gateway checks none that large. Send fewer members in one object.",
            detail);
    }

    [Fact]
    public void Explain_ObjectOfExactlyTheBound_IsCheckedAgainstTheSchema()
    {
        using var schema = JsonDocument.Parse("""{"type":"object"}""");
        using var arguments = JsonDocument.Parse(Members(ToolInputRefusal.MaxObjectMembers));

        Assert.Null(ToolInputRefusal.Explain(schema.RootElement, arguments.RootElement));
    }

    [Fact]
    public void Validate_LargeObjectWithFoldedNames_MatchesPropertiesAndRequiredAsASmallOneDoes()
    {
        using var schema = JsonDocument.Parse(Schema);
        var members = Members(9_000);
        using var large = JsonDocument.Parse(members[..^1] + ""","AccountId":7,"AMOUNT":11}""");
        using var small = JsonDocument.Parse("""{"k000000":0,"AccountId":7,"AMOUNT":11}""");

        var errors = ToolInputSchema.Validate(schema.RootElement, large.RootElement);

        Assert.Equal(ToolInputSchema.Validate(schema.RootElement, small.RootElement), errors);
        Assert.Equal(["$.memo: required", "$.AccountId: expected string, got number", "$.AMOUNT: above the maximum"], errors);
    }

    [Fact]
    public void Validate_LongNameAboveManyMembers_PathsCutTheName()
    {
        // `d_…_ata` binds to `data` as a folding upstream reads it; each of its members' paths names it, cut, not whole.
        using var schema = JsonDocument.Parse("""{"type":"object","properties":{"data":{"type":"object","additionalProperties":false}}}""");
        var name = "d" + new string('_', 100_000) + "ata";
        using var arguments = JsonDocument.Parse($$"""{"{{name}}":{{Members(1_000)}}}""");

        var errors = ToolInputSchema.Validate(schema.RootElement, arguments.RootElement, int.MaxValue);

        Assert.Equal(1_000, errors.Count);
        Assert.Equal("$.d" + new string('_', 63) + "….k000000: not an argument this tool takes", errors[0]);
        Assert.All(errors, e => Assert.InRange(e.Length, 1, 200));
    }

    [Fact]
    public void Validate_HugeObjectEveryMemberRefused_StopsCollectingAtTheLimit()
    {
        using var schema = JsonDocument.Parse("""{"type":"object","additionalProperties":false}""");
        using var huge = JsonDocument.Parse(Members(ToolInputRefusal.MaxObjectMembers));
        using var five = JsonDocument.Parse(Members(5));

        var errors = ToolInputSchema.Validate(schema.RootElement, huge.RootElement);

        Assert.Equal(ToolInputSchema.MaxErrors, errors.Count);
        Assert.Equal("$.k000005: not an argument this tool takes", errors[^1]);
        Assert.EndsWith("$.k000004: not an argument this tool takes; …", ToolInputRefusal.Explain(schema.RootElement, huge.RootElement), StringComparison.Ordinal);
        Assert.Equal(5, ToolInputSchema.Validate(schema.RootElement, five.RootElement).Count);
        Assert.EndsWith("$.k000004: not an argument this tool takes.", ToolInputRefusal.Explain(schema.RootElement, five.RootElement), StringComparison.Ordinal);
    }

    // {"k000000":0,…} with `count` members.
    private static string Members(int count)
    {
        var json = new StringBuilder("{");
        for (var i = 0; i < count; i++)
        {
            json.Append(i == 0 ? "" : ",").Append(CultureInfo.InvariantCulture, $"\"k{i:D6}\":0");
        }

        return json.Append('}').ToString();
    }
}
