using System.Text.Json;
using Gateway.Policy.AuditChain;

namespace Gateway.Policy.Tests.AuditChain;

public sealed class AuditOutcomeTallyTests
{
    [Fact]
    public void Observe_DecisionThenItsOwnOutcome_NothingUnknown()
    {
        var tally = Tally(
            """{"request_id":"r1","decision":"allow"}""",
            """{"request_id":"r1","decision":"allow","status_code":200,"invoked":true}""");

        Assert.Equal(0, tally.Unknown);
    }

    [Fact]
    public void Observe_DecisionsThenARepeatedRefusalNamingThem_EachResolved()
    {
        // Admitted with their decision records, then refused by the store (a storm of one rate limit): one refusal record stands for both.
        var tally = Tally(
            """{"request_id":"r1","decision":"allow"}""",
            """{"decision":"allow","count":2,"decisions":[{"request_id":"r2"},{"request_id":"r3"}]}""",
            """{"decision":"refused:rate_limited","count":2,"request_ids":["r2","r1"],"status_code":429}""");

        Assert.Equal(["r3"], tally.UnknownRequestIds);
    }

    [Fact]
    public void Observe_RemoteAgentTaskStateNamingTheRequest_StillUnknown()
    {
        var tally = Tally(
            """{"request_id":"r1","decision":"allow"}""",
            """{"request_id":"r1","decision":"a2a_task_state","status_code":200}""");

        Assert.Equal(["r1"], tally.UnknownRequestIds);
    }

    [Theory]
    [InlineData("3.5")]
    [InlineData("1e20")]
    public void Observe_StatusCodeNoInteger_IsTalliedNotThrown(string status)
    {
        // An edited export read by `audit verify --file`: the verifier names what is wrong, it does not crash.
        var tally = Tally(
            """{"request_id":"r1","decision":"allow"}""",
            "{\"request_id\":\"r1\",\"decision\":\"allow\",\"status_code\":" + status + "}");

        Assert.Equal(0, tally.Unknown);
    }

    private static AuditOutcomeTally Tally(params string[] records)
    {
        var tally = new AuditOutcomeTally();
        foreach (var record in records)
        {
            using var document = JsonDocument.Parse(record);
            tally.Observe(document.RootElement);
        }

        return tally;
    }
}
