using System.Net;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Authenticate;

/// <summary>The longest person token the options allow reaches the person check, not the server's header limit.</summary>
public sealed partial class PersonTokenTests
{
    [Fact]
    public async Task Evaluate_TokenAtTheLongestMaxTokenLength_IsReadNotRefusedByTheHeaderLimit()
    {
        await using var gw = await PersonGateway.StartAsync(settings: new Dictionary<string, string> { ["Gateway:Person:MaxTokenLength"] = "65536" });
        var segment = new string('a', (65_536 - 2) / 3);
        var token = segment + "." + segment + "." + segment;
        token += new string('a', 65_536 - token.Length);

        using var response = await gw.PostAsPersonAsync("/v1/evaluate", Evaluate, token);

        // Read by the gateway (a token that does not verify), not a 431 from the server before any check or record.
        Assert.NotEqual(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "person_token_invalid");
    }
}
