using System.Globalization;
using System.Text;
using System.Text.Json;
using Gateway.Policy;
using Gateway.Policy.Tools;
using Gateway.Proxy.Describe;

namespace Gateway.Proxy.Tests.Describe;

/// <summary>
/// <see cref="ToolInputCheck"/> on a request's arguments: an object of more members than
/// <see cref="ToolInputRefusal.MaxObjectMembers"/> is refused <c>invalid_arguments</c> before any schema check, and one within
/// the bound is checked member by member as a small one is.
/// </summary>
public sealed class ToolInputCheckTests
{
    // Extra members are allowed, so an oversized object would fit the schema if it were read.
    private static readonly CatalogEntry Connector = new()
    {
        Name = "bulk.import",
        Kind = ConnectorKind.Http,
        ActionType = ActionType.Write,
        InputSchema = """{"type":"object","properties":{"k008999":{"type":"integer"},"limit":{"type":"integer"}},"required":["k000000"]}""",
    };

    [Fact]
    public void RefuseProviderArguments_ObjectOfMoreMembersThanTheBound_IsRefused()
    {
        using var body = JsonDocument.Parse(Members(ToolInputRefusal.MaxObjectMembers + 1, last: "0"));

        var refusal = ToolInputCheck.RefuseProviderArguments(Connector, body.RootElement, body.RootElement, []);

        Assert.NotNull(refusal);
        Assert.Equal(400, refusal.Status);
        Assert.Equal("invalid_arguments", refusal.Code);
        Assert.Equal("bulk.import", refusal.AuditTool);
        Assert.Contains("more than 10000 members", refusal.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuse_NestedObjectOfMoreMembersThanTheBound_IsRefused()
    {
        using var arguments = JsonDocument.Parse("""{"items":[1,""" + Members(ToolInputRefusal.MaxObjectMembers + 1, last: "0") + "]}");

        var refusal = ToolInputCheck.Refuse(Connector, arguments.RootElement);

        Assert.NotNull(refusal);
        Assert.Equal("invalid_arguments", refusal.Code);
        Assert.Contains("$.items[1]", refusal.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void RefuseProviderArguments_LargeObjectWithinTheBound_FindsTheMemberThatBreaksTheSchema()
    {
        using var body = JsonDocument.Parse(Members(9_000, last: "\"x\""));

        var refusal = ToolInputCheck.RefuseProviderArguments(Connector, body.RootElement, body.RootElement, []);

        Assert.NotNull(refusal);
        Assert.Equal("invalid_arguments", refusal.Code);
        Assert.Contains("$.k008999: expected integer, got string", refusal.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void RefuseProviderArguments_LargeObjectWithinTheBoundAndAQueryArgument_ReadsTheQueryTextAsTyped()
    {
        // The body's members are JSON as sent; the query's limit=5 (merged in as text) is read as the integer its schema types.
        using var body = JsonDocument.Parse(Members(9_000, last: "7"));
        using var merged = JsonDocument.Parse(Members(9_000, last: "7")[..^1] + ""","limit":"5"}""");

        Assert.Null(ToolInputCheck.RefuseProviderArguments(Connector, merged.RootElement, body.RootElement, []));
    }

    [Fact]
    public void RefuseProviderArguments_BodyMemberNamedLikeAPathCapture_IsReadAsTheCapturesText()
    {
        using var body = JsonDocument.Parse("""{"k000000":1,"limit":"5"}""");

        Assert.Null(ToolInputCheck.RefuseProviderArguments(Connector, body.RootElement, body.RootElement, [new("limit", "5")]));
        Assert.NotNull(ToolInputCheck.RefuseProviderArguments(Connector, body.RootElement, body.RootElement, []));
    }

    // {"k000000":0,…} with `count` members, the last one's value given.
    private static string Members(int count, string last)
    {
        var json = new StringBuilder("{");
        for (var i = 0; i < count; i++)
        {
            json.Append(i == 0 ? "" : ",").Append(CultureInfo.InvariantCulture, $"\"k{i:D6}\":").Append(i == count - 1 ? last : "0");
        }

        return json.Append('}').ToString();
    }
}
