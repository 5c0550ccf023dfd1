using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Gateway.Oversight;
using Gateway.Policy.Serialization;
using Gateway.Proxy.Describe;
using Microsoft.AspNetCore.Http;

namespace Gateway.Proxy.Tests.Describe;

/// <summary>
/// The action body of <c>/v1/evaluate</c> and <c>/v1/actions/invoke-tool</c>, parsed once: the request read from the
/// parse is the one the serializer reads from the bytes, and its arguments are the parse's own element.
/// </summary>
public sealed class GovernedRequestReaderTests
{
    [Theory]
    [InlineData("""{"tool":"crm.read_contact","args":{"id":"42"}}""")]
    [InlineData("""{"tool":"crm.read_contact"}""")]
    [InlineData("""{"args":{"id":"42","nested":{"list":[1,2]}},"simulate":true,"tool":"crm.read_contact","warrant":"w-1"}""")]
    [InlineData("""{"tool":"crm.read_contact","args":{},"simulate":false}""")]
    [InlineData("""{"\u0074ool":"crm.\u0072ead_contact","args":{"id":"42"}}""")]
    [InlineData("""{"tool":"crm.read_contact","args":{"id":"42"},"targets":[{"kind":"host","value":"crm.example.com"}]}""")]
    [InlineData("""{"tool":"crm.read_contact","args":{"id":"42"},"data_classes":["pii"],"warrant":null}""")]
    public void ReadAction_ReadsWhatTheSerializerReads(string body)
    {
        var expected = JsonSerializer.Deserialize(body, PolicyJsonContext.Default.ActionRequest)!;

        var read = ReadAction(body);

        Assert.Null(read.Refusal);
        var request = read.Request!;
        Assert.Equal(expected.Tool, request.Tool);
        Assert.Equal(expected.Args.ValueKind, request.Args.ValueKind);
        Assert.True(expected.Args.ValueKind == JsonValueKind.Undefined || JsonElement.DeepEquals(expected.Args, request.Args));
        Assert.Equal(expected.Warrant, request.Warrant);
        Assert.Equal(expected.Simulate, request.Simulate);
        Assert.Equal(expected.Targets?.Count, request.Targets?.Count);
        Assert.Equal(expected.DataClasses, request.DataClasses);
        Assert.Equal(JsonValueKind.Object, read.Body.ValueKind);
    }

    [Fact]
    public void ReadAction_TheArgumentsAreTheBodysOwnParse()
    {
        var read = ReadAction("""{"tool":"crm.read_contact","args":{"id":"42"}}""");

        var args = JsonMarshal.GetRawUtf8Value(read.Request!.Args);
        var argsInBody = JsonMarshal.GetRawUtf8Value(read.Body.GetProperty("args"));
        Assert.True(Unsafe.AreSame(ref MemoryMarshal.GetReference(args), ref MemoryMarshal.GetReference(argsInBody)));
    }

    [Theory]
    [InlineData("""{"tool":"","args":{"id":"42"}}""", "$.tool (line 1, byte 9): the member 'tool'")]
    [InlineData("""{"tool":null,"args":{"id":"42"}}""", "$.tool (line 1, byte 9): the member 'tool'")]
    [InlineData("""{"tool":"crm.read_contact","args":"42"}""", "$.args (line 1, byte 35): the value is not of the type")]
    [InlineData("""{"tool":"crm.read_contact","args":{"id":"42"},"simulate":null}""", "simulate")]
    [InlineData("""{"tool":"crm.read_contact","args":{"id":"42"},"warrant":7}""", "warrant")]
    [InlineData("""{"tool":"crm.read_contact","Args":{"id":"42"}}""", "Args")]
    [InlineData("""{"tool":"crm.read_contact","args":{"id":"42"},"priority":"high"}""", "priority")]
    public void ReadAction_AnyOtherShape_IsRefusedAsBefore(string body, string named)
    {
        var read = ReadAction(body);

        Assert.Null(read.Request);
        Assert.Equal(ProblemCodes.MalformedBody, read.Refusal!.Code);
        Assert.Contains(named, read.Refusal.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"tool":"#","args":{"id":"42"}}""", "$.tool")]
    [InlineData("""{"tool":"crm.read_contact","warrant":"#"}""", "$.warrant")]
    public void ReadAction_TextThatIsNotUtf8_IsRefusedAsBefore(string template, string path)
    {
        // '#' stands for two bytes that are not UTF-8.
        var body = Encoding.UTF8.GetBytes(template).SelectMany(b => b == (byte)'#' ? new byte[] { 0xff, 0xfe } : [b]).ToArray();

        var read = ReadAction(body);

        Assert.Null(read.Request);
        Assert.Equal(ProblemCodes.MalformedBody, read.Refusal!.Code);
        Assert.Contains(path, read.Refusal.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"tool":"crm.read_contact","args":{"id":"\ud800"}}""", "$.args.id")]
    [InlineData("""{"tool":"crm.read_contact","args":{"\udc00":"42"}}""", "$.args")]
    [InlineData("""{"tool":"crm.read_contact","warrant":"\ud800\u0041"}""", "$.warrant")]
    [InlineData("""{"tool":"crm.read_contact","args":{"id":"42","note":"\ud83d"}}""", "$.args.note")]
    public void ReadAction_LoneSurrogateEscape_IsMalformedBodyAtItsPath(string body, string path)
    {
        var read = ReadAction(body);

        Assert.Null(read.Request);
        Assert.Equal(ProblemCodes.MalformedBody, read.Refusal!.Code);
        Assert.Contains(path + " (line 1, byte ", read.Refusal.Detail, StringComparison.Ordinal);
        Assert.Contains("lone UTF-16 surrogate", read.Refusal.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"scope":"\udc00","query":"q"}""")]
    [InlineData("""{"connector":"openai","request":{"model":"\ud800"}}""")]
    public void ReadEnvelope_LoneSurrogateEscape_IsMalformedBody(string body)
    {
        var http = new DefaultHttpContext().Request;
        http.ContentType = "application/json";

        var read = body.Contains("scope", StringComparison.Ordinal)
            ? GovernedRequestReader.ReadContext(http, Encoding.UTF8.GetBytes(body))
            : GovernedRequestReader.ReadModel(http, Encoding.UTF8.GetBytes(body));

        Assert.Equal(ProblemCodes.MalformedBody, read.Refusal!.Code);
    }

    private static GovernedRequestReader.Result ReadAction(string body) => ReadAction(Encoding.UTF8.GetBytes(body));

    private static GovernedRequestReader.Result ReadAction(byte[] body)
    {
        var http = new DefaultHttpContext().Request;
        http.ContentType = "application/json";
        return GovernedRequestReader.ReadAction(http, body);
    }
}
