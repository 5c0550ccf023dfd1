using System.Text;
using Gateway.Proxy.Describe;

namespace Gateway.Proxy.Tests.Describe;

public sealed class RunRequestReaderTests
{
    private static readonly string LongName = new('m', 10_000);

    [Fact]
    public void ReadStart_UnknownMemberWithALongName_QuotesItCutShort()
    {
        var (request, error) = RunRequestReader.ReadStart(Encoding.UTF8.GetBytes($$"""{"purpose":"triage","{{LongName}}":1}"""));

        Assert.Null(request);
        Assert.Equal($"The body is not valid for this route at $.{LongName[..62]}… (line 1, byte 10024): unknown member '{LongName[..64]}…'.", error);
    }

    [Fact]
    public void ReadEvent_UnknownMemberWithALongName_QuotesItCutShort()
    {
        var (request, error) = RunRequestReader.ReadEvent(Encoding.UTF8.GetBytes($$"""{"type":"step","{{LongName}}":1}"""));

        Assert.Null(request);
        Assert.Equal($"The body is not valid for this route at $.{LongName[..62]}… (line 1, byte 10019): unknown member '{LongName[..64]}…'.", error);
    }
}
