using System.Text;
using Gateway.Oversight;
using Gateway.Proxy.Describe;
using Microsoft.AspNetCore.Http;

namespace Gateway.Proxy.Tests.Describe;

/// <summary>
/// A malformed_body refusal of an agent route's body says where, as docs/agent-protocol.md promises: the JSON path, the
/// line and byte (from 1) where the member's value begins (for a missing member, the end of the object it is missing
/// from), and what is wrong; for a body the serializer reads (the action body), for one read member by member (the run,
/// delegation and envelope bodies) alike.
/// </summary>
public sealed class MalformedBodyDetailTests
{
    private const string Prefix = "The body is not valid for this route at ";

    [Theory]
    [InlineData("""{"tool":"crm.read_contact","args":[1]}""", "$.args (line 1, byte 35): the value is not of the type this member takes (a JSON object).")]
    [InlineData("""{"tool":"crm.read_contact","args":"42"}""", "$.args (line 1, byte 35): the value is not of the type this member takes (a JSON object).")]
    [InlineData("""{"tool":"","args":{}}""", "$.tool (line 1, byte 9): the member 'tool' must be a non-empty string, the catalog name of the action.")]
    [InlineData("""{"args":{}}""", "$ (line 1, byte 12): the required member 'tool' is missing.")]
    public void ReadAction_MemberRefused_NamesPathLineAndByte(string body, string expected)
    {
        var read = GovernedRequestReader.ReadAction(Json(), Encoding.UTF8.GetBytes(body));

        Assert.Equal(ProblemCodes.MalformedBody, read.Refusal!.Code);
        Assert.Equal(Prefix + expected, read.Refusal.Detail);
    }

    [Theory]
    [InlineData("""{"connector":"openai","request":{},"simulate":"yes"}""", "$.simulate (line 1, byte 47): the value is not of the type this member takes (true or false).")]
    [InlineData("{\"connector\":\"openai\",\n\"request\":{},\n\"bogus\":1}", "$.bogus (line 3, byte 9): unknown member 'bogus'.")]
    [InlineData("""{"request":{}}""", "$ (line 1, byte 15): the required member 'connector' (a non-empty string, the model connector) is missing.")]
    public void ReadModel_MemberRefused_NamesPathLineAndByte(string body, string expected)
    {
        var read = GovernedRequestReader.ReadModel(Json(), Encoding.UTF8.GetBytes(body));

        Assert.Equal(ProblemCodes.MalformedBody, read.Refusal!.Code);
        Assert.Equal(Prefix + expected, read.Refusal.Detail);
    }

    [Fact]
    public void ReadContext_MaxBytesNotAPositiveInteger_NamesPathLineAndByte()
    {
        var read = GovernedRequestReader.ReadContext(Json(), Encoding.UTF8.GetBytes("""{"scope":"workspace","max_bytes":-1}"""));

        Assert.Equal(Prefix + "$.max_bytes (line 1, byte 34): the member 'max_bytes' must be a positive integer.", read.Refusal!.Detail);
    }

    [Theory]
    [InlineData("""{"purpose":"triage","bogus":1}""", "$.bogus (line 1, byte 29): unknown member 'bogus'.")]
    [InlineData("""{"purpose":7}""", "$.purpose (line 1, byte 12): purpose must be a string of 1 to 1024 characters, no control characters.")]
    public void ReadStart_MemberRefused_NamesPathLineAndByte(string body, string expected)
    {
        var (request, error) = RunRequestReader.ReadStart(Encoding.UTF8.GetBytes(body));

        Assert.Null(request);
        Assert.Equal(Prefix + expected, error);
    }

    [Theory]
    [InlineData("{\"type\":\"step\",\n  \"detail\":\"x\"}", "$.detail (line 2, byte 12): detail must be a JSON object.")]
    [InlineData("""{"name":"x"}""", "$ (line 1, byte 13): the required member 'type' is missing.")]
    public void ReadEvent_MemberRefused_NamesPathLineAndByte(string body, string expected)
    {
        var (request, error) = RunRequestReader.ReadEvent(Encoding.UTF8.GetBytes(body));

        Assert.Null(request);
        Assert.Equal(Prefix + expected, error);
    }

    [Fact]
    public void ReadEvent_NotJson_NamesPathLineAndByte()
    {
        var (_, error) = RunRequestReader.ReadEvent(Encoding.UTF8.GetBytes("""{"type":}"""));

        Assert.Matches(@"^The body is not valid for this route at \$\.type \(line 1, byte \d+\): ", error);
    }

    [Theory]
    [InlineData("""{"name":"x","permissions":[{"tool":"crm.read_contact"}],"bogus":1}""", "$.bogus (line 1, byte 65): unknown member 'bogus'.")]
    [InlineData("""{"name":"x","permissions":[{"tool":"crm.read_contact","x":1}]}""", "$.permissions[0].x (line 1, byte 59): unknown member 'x'.")]
    [InlineData("""{"name":"x","permissions":[{"tool":"a"},{"tool":7}]}""", "$.permissions[1].tool (line 1, byte 49): permissions[].tool must be a catalog name.")]
    [InlineData("""{"name":"x","permissions":[{"tool":"a"}],"public_key":{"alg":"ed25519","kid":"k"}}""", "$.public_key.kid (line 1, byte 78): unknown member 'kid'.")]
    [InlineData("""{"permissions":[{"tool":"a"}]}""", "$ (line 1, byte 31): the required member 'name' is missing.")]
    [InlineData("""{"name":"x","permissions":[{"tool":"a"}],"may_delegate":"yes"}""", "$.may_delegate (line 1, byte 57): may_delegate must be true or false.")]
    public void Delegation_MemberRefused_NamesPathLineAndByte(string body, string expected)
    {
        var (request, error) = DelegationRequestReader.Read(Encoding.UTF8.GetBytes(body));

        Assert.Null(request);
        Assert.Equal(Prefix + expected, error);
    }

    [Fact]
    public void Delegation_NotJson_NamesPathLineAndByte()
    {
        var (_, error) = DelegationRequestReader.Read(Encoding.UTF8.GetBytes("{\"name\":\"x\",\n\"permissions\":[}"));

        Assert.Matches(@"^The body is not valid for this route at \$\.permissions(\[0\])? \(line 2, byte \d+\): ", error);
    }

    private static HttpRequest Json()
    {
        var http = new DefaultHttpContext().Request;
        http.ContentType = "application/json";
        return http;
    }
}
