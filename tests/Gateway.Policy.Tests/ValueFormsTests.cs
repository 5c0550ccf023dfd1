namespace Gateway.Policy.Tests;

/// <summary>
/// The spelling-normalisation that argument and target globs compare through: every spelling of one mail
/// domain, host, URL or path compares equal, and a different name never does.
/// </summary>
public sealed class ValueFormsTests
{
    [Theory]
    [InlineData("*@gmail.com", nameof(ValueForm.Email))]
    [InlineData("mailto:*", nameof(ValueForm.Text))]
    [InlineData("https://trusted.example*", nameof(ValueForm.Url))]
    [InlineData("*://*@evil.test/*", nameof(ValueForm.Url))]
    [InlineData("*.example.com", nameof(ValueForm.Host))]
    [InlineData("gmail。com", nameof(ValueForm.Host))]
    [InlineData("prod.*", nameof(ValueForm.Host))]
    [InlineData("*salary*", nameof(ValueForm.Text))]
    [InlineData("a b.c", nameof(ValueForm.Text))]
    [InlineData("/srv/*.txt", nameof(ValueForm.Path))]
    [InlineData("srv/*.txt", nameof(ValueForm.Text))]
    [InlineData("localhost:*", nameof(ValueForm.Text))]
    public void OfPattern_Shape_PicksTheForm(string pattern, string form)
    {
        Assert.Equal(Enum.Parse<ValueForm>(form), ValueForms.OfPattern(pattern));
    }

    [Theory]
    [InlineData(TargetKind.Url, nameof(ValueForm.Url))]
    [InlineData(TargetKind.Host, nameof(ValueForm.Host))]
    [InlineData(TargetKind.Path, nameof(ValueForm.Path))]
    [InlineData(TargetKind.Table, nameof(ValueForm.Text))]
    [InlineData(TargetKind.Repo, nameof(ValueForm.Text))]
    public void OfTarget_Kind_PicksTheForm(TargetKind kind, string form)
    {
        Assert.Equal(Enum.Parse<ValueForm>(form), ValueForms.OfTarget(kind));
    }

    [Theory]
    [InlineData("gmail.com", "gmail.com")]
    [InlineData("gmail.com.", "gmail.com")]
    [InlineData("gmail.com...", "gmail.com")]
    [InlineData(" GMAIL.Com ", "gmail.com")]
    [InlineData("gmail%2Ecom", "gmail.com")]
    [InlineData("gmail。com", "gmail.com")]
    [InlineData("gmail．com", "gmail.com")]
    [InlineData("gmail｡com", "gmail.com")]
    [InlineData("ｇｍａｉｌ.ＣＯＭ", "gmail.com")]
    [InlineData("xn--bcher-kva.de", "bücher.de")]
    [InlineData("XN--BCHER-KVA.de.", "bücher.de")]
    [InlineData("BÜCHER.de", "bücher.de")]
    [InlineData("b%C3%BCcher.de", "bücher.de")]
    [InlineData("xn--bcher-2pa.de", "xn--bcher-2pa.de")]
    [InlineData("xn--invalid-.de", "xn--invalid-.de")]
    [InlineData("gmail..com", "gmail..com")]
    public void Normalize_HostSpelling_IsTheCanonicalName(string host, string expected)
    {
        Assert.Equal(expected, ValueForms.Normalize(host, ValueForm.Host));
    }

    [Theory]
    [InlineData("*.bücher.de", "*.bücher.de")]
    [InlineData("*.xn--bcher-kva.de.", "*.bücher.de")]
    [InlineData("*BÜCHER.de", "*bücher.de")]
    [InlineData("xn--*.de", "xn--*.de")]
    public void Normalize_HostPatternWithWildcards_KeepsThemAndLowerCases(string pattern, string expected)
    {
        Assert.Equal(expected, ValueForms.Normalize(pattern, ValueForm.Host, isPattern: true));
    }

    [Theory]
    [InlineData("169.254.169.254", "169.254.169.254")]
    [InlineData("169.254.169.254.", "169.254.169.254")]
    [InlineData("0xa9fea9fe", "169.254.169.254")]
    [InlineData("0XA9FEA9FE", "169.254.169.254")]
    [InlineData("2852039166", "169.254.169.254")]
    [InlineData("169.254.43518", "169.254.169.254")]
    [InlineData("169.16689662", "169.254.169.254")]
    [InlineData("0251.0376.0251.0376", "169.254.169.254")]
    [InlineData("0xa9.0xfe.0xa9.0xfe", "169.254.169.254")]
    [InlineData("127.1", "127.0.0.1")]
    [InlineData("0x", "0.0.0.0")]
    [InlineData("256.1.1.1", "256.1.1.1")]
    [InlineData("1.2.3.4.5", "1.2.3.4.5")]
    [InlineData("4294967296", "4294967296")]
    [InlineData("08.1.1.1", "08.1.1.1")]
    [InlineData("a.1", "a.1")]
    [InlineData("1.a", "1.a")]
    public void Normalize_NumericIpv4Spelling_IsDottedDecimal(string host, string expected)
    {
        Assert.Equal(expected, ValueForms.Normalize(host, ValueForm.Host));
    }

    [Fact]
    public void Normalize_CanonicalHost_ReturnsTheSameInstance()
    {
        const string host = "api.example.com";

        Assert.Same(host, ValueForms.Normalize(host, ValueForm.Host));
    }

    [Theory]
    [InlineData("x@gmail.com.", "x@gmail.com")]
    [InlineData(" X@GMAIL.COM ", "X@gmail.com")]
    [InlineData("x@ｇｍａｉｌ.com", "x@gmail.com")]
    [InlineData("x@xn--bcher-kva.de", "x@bücher.de")]
    [InlineData("a@b@gmail.com.", "a@b@gmail.com")]
    [InlineData("no-at-sign", "no-at-sign")]
    public void Normalize_EmailAddress_NormalisesTheDomainOnly(string address, string expected)
    {
        Assert.Equal(expected, ValueForms.Normalize(address, ValueForm.Email));
    }

    [Theory]
    [InlineData("x@gmail.com", new[] { "x@gmail.com" })]
    [InlineData("ok@example.com, x@gmail.com", new[] { "ok@example.com", "x@gmail.com" })]
    [InlineData("ok@example.com;x@gmail.com;", new[] { "ok@example.com", "x@gmail.com" })]
    [InlineData("Xavier <x@gmail.com.>", new[] { "x@gmail.com." })]
    [InlineData("\"Doe, John\" <x@gmail.com>, ok@example.com", new[] { "x@gmail.com", "ok@example.com" })]
    [InlineData("ok@example.com <x@gmail.com>", new[] { "x@gmail.com" })]
    [InlineData("\"x@gmail.com, ok@example.com", new[] { "\"x@gmail.com", "ok@example.com" })]
    [InlineData("<x@gmail.com, ok@example.com", new[] { "<x@gmail.com", "ok@example.com" })]
    [InlineData("mailto:x@gmail.com", new[] { "x@gmail.com" })]
    [InlineData("MAILTO:a@example.com,x%40gmail.com", new[] { "a@example.com", "x@gmail.com" })]
    [InlineData("mailto:a@example.com?subject=hi&CC=x%40gmail.com,y@gmail.com&bcc=z@gmail.com", new[] { "a@example.com", "x@gmail.com", "y@gmail.com", "z@gmail.com" })]
    [InlineData("", new[] { "" })]
    [InlineData(" , ", new[] { " , " })]
    public void Addresses_RecipientValue_ListsEachAddress(string value, string[] expected)
    {
        Assert.Equal(expected, MailAddresses.Split(value));
    }

    [Theory]
    [InlineData("HTTPS://Evil.Example.com.:443/a/../x", "https://evil.example.com/x")]
    [InlineData("https://trusted.com@evil.com/", "https://evil.com/")]
    [InlineData("https://user:pw@evil.com:8443", "https://evil.com:8443/")]
    [InlineData("http://evil.com:80/x", "http://evil.com/x")]
    [InlineData("http://evil.com:0080/x", "http://evil.com/x")]
    [InlineData("http://evil.com:443/x", "http://evil.com:443/x")]
    [InlineData("wss://evil.com:443", "wss://evil.com/")]
    [InlineData("ws://evil.com:80/", "ws://evil.com/")]
    [InlineData("https://evil.com:/x", "https://evil.com/x")]
    [InlineData("https://evil.com/a/%2e%2E/b", "https://evil.com/b")]
    [InlineData("https://evil.com/a/%2e/b/.", "https://evil.com/a/b/")]
    [InlineData("https://evil.com/../../b", "https://evil.com/b")]
    [InlineData("https://evil.com/%7Euser/%2F", "https://evil.com/~user/%2F")]
    [InlineData("https://evil.com\\a\\..\\b", "https://evil.com/b")]
    [InlineData("https:\\\\evil.com/b", "https://evil.com/b")]
    [InlineData("https://evil.test\\@trusted.example/", "https://evil.test/@trusted.example/")]
    [InlineData("https://evil.com/a?q=/../x#frag", "https://evil.com/a?q=/../x")]
    [InlineData("https://evil.com#frag", "https://evil.com/")]
    [InlineData("https://xn--bcher-kva.de/", "https://bücher.de/")]
    [InlineData("https://[::1]:443/", "https://[::1]/")]
    [InlineData("//evil.com./x", "//evil.com/x")]
    [InlineData("http://0xA9FEA9FE:80/latest", "http://169.254.169.254/latest")]
    [InlineData("http://[::ffff:169.254.169.254]/latest", "http://169.254.169.254/latest")]
    [InlineData("http://[::FFFF:A9FE:A9FE]:80/latest", "http://169.254.169.254/latest")]
    [InlineData("http://[0:0:0:0:0:ffff:a9fe:a9fe]/", "http://169.254.169.254/")]
    [InlineData("http://[0::FFFF:169.254.169.254]/", "http://169.254.169.254/")]
    [InlineData("http://[::ffff:1.2.3]/", "http://[::ffff:1.2.3]/")]
    [InlineData("http://[::1:ffff:a9fe:a9fe]/", "http://[::1:ffff:a9fe:a9fe]/")]
    [InlineData("evil.com/x", "evil.com/x")]
    [InlineData("mailto:x@gmail.com", "mailto:x@gmail.com")]
    public void Normalize_UrlSpelling_IsTheCanonicalUrl(string url, string expected)
    {
        Assert.Equal(expected, ValueForms.Normalize(url, ValueForm.Url));
    }

    [Theory]
    [InlineData("https://trusted.example*", "https://trusted.example*")]
    [InlineData("HTTPS://Trusted.Example", "https://trusted.example/")]
    [InlineData("https://api.example.com/v1?key=*", "https://api.example.com/v1?key=*")]
    [InlineData("*://*.Example.com./*", "*://*.example.com/*")]
    public void Normalize_UrlPattern_KeepsWildcardsAndQuestionMarks(string pattern, string expected)
    {
        Assert.Equal(expected, ValueForms.Normalize(pattern, ValueForm.Url, isPattern: true));
    }

    [Theory]
    [InlineData("/srv/data/../../etc/passwd", "/etc/passwd")]
    [InlineData("//etc//passwd", "/etc/passwd")]
    [InlineData("/srv/./data/", "/srv/data/")]
    [InlineData("/..", "/")]
    [InlineData("data/../../etc", "../etc")]
    [InlineData("../data/x", "../data/x")]
    [InlineData("C:\\Windows", "C:\\Windows")]
    [InlineData("/%61dmin/x", "/admin/x")]
    [InlineData("/srv/%2e%2E/etc/passwd", "/etc/passwd")]
    [InlineData("/a%2Fb/%20c", "/a%2Fb/%20c")]
    public void Normalize_PathSpelling_ResolvesDotSegments(string path, string expected)
    {
        Assert.Equal(expected, ValueForms.Normalize(path, ValueForm.Path));
    }

    [Theory]
    [InlineData("/admin/*", "/%61dmin/x", true)]
    [InlineData("/%61dmin/*", "/admin/x", true)]
    [InlineData("https://h/admin/*", "https://h/%61dmin/x", true)]
    [InlineData("/admin/*", "/%2561dmin/x", false)]
    public void GlobMatches_PercentEncodedUnreservedCharacterInAPath_MatchesAsInAUrl(string pattern, string value, bool expected)
    {
        Assert.Equal(expected, ValueForms.GlobMatches(pattern, value));
        Assert.Equal(expected, ValueForms.IsMatch(pattern, value, ValueForms.OfPattern(pattern)));
    }

    [Theory]
    [InlineData("/tmp/%61gent/x", true)]
    [InlineData("/tmp/agent/%2e%2e/%2e%2e/etc/passwd", true)]
    [InlineData("/tmp/agent/x", false)]
    [InlineData("/tmp/agent/%78", false)]
    public void OutsideAll_PathAllowlistEscapedValue_TriggersWhenEitherReadingIsOutside(string value, bool expected)
    {
        // On a file system `/tmp/%61gent` is a directory of its own: an allowlist must not take it for `/tmp/agent`.
        Assert.Equal(expected, ValueForms.OutsideAll(["/tmp/agent/*"], value));
    }

    [Fact]
    public void Normalize_Text_IsUnchanged()
    {
        const string text = " Salary.. ";

        Assert.Same(text, ValueForms.Normalize(text, ValueForm.Text));
    }

    [Theory]
    [InlineData("*@gmail.com", "x@gmail.com.", true)]
    [InlineData("*@gmail.com", "ok@example.com, X@GMAIL.COM.", true)]
    [InlineData("*@gmail.com", "Xavier <x@gmail。com>", true)]
    [InlineData("*@gmail.com", "\"x@gmail.com, ok@example.com", true)]
    [InlineData("*@gmail.com", "x@gmail.com.evil.test", false)]
    [InlineData("*@bücher.de", "x@xn--bcher-kva.de", true)]
    [InlineData("*@xn--bcher-kva.de", "x@BÜCHER.de.", true)]
    [InlineData("*bücher.de", "shop.xn--bcher-kva.de", true)]
    [InlineData("*@bücher.de", "x@bucher.de", false)]
    [InlineData("*.example.com", "api.example.com.", true)]
    [InlineData("https://trusted.example*", "https://trusted.example@evil.test/", false)]
    [InlineData("https://evil.example.com/x*", "HTTPS://Evil.Example.com.:443/a/../x", true)]
    [InlineData("*salary*", "SALARY.", true)]
    [InlineData("*@gmail.com", "x@gmail.com (Xavier)", true)]
    [InlineData("*@gmail.com", "x(c)@(c)gmail.com", true)]
    [InlineData("*@gmail.com", "x@gmail.com (unclosed", true)]
    [InlineData("*@gmail.com", "\"(x)\"@example.com", false)]
    public void GlobMatches_Spelling_MatchesAsTheCanonicalName(string pattern, string value, bool expected)
    {
        Assert.Equal(expected, ValueForms.GlobMatches(pattern, value));
    }

    [Theory]
    [InlineData("a@example.com.", false)]
    [InlineData("A <a@EXAMPLE.com>", false)]
    [InlineData("a@example.com; b@example.com", false)]
    [InlineData("x@gmail.com, a@example.com", true)]
    [InlineData("a@example.com, x@gmail.com", true)]
    [InlineData("mailto:a@example.com?cc=x@gmail.com", true)]
    [InlineData("a@example.com <x@gmail.com>", true)]
    [InlineData("a@example.com.evil.test", true)]
    [InlineData("", true)]
    public void OutsideAll_RecipientAllowlist_TriggersWhenAnyAddressIsOutside(string value, bool expected)
    {
        Assert.Equal(expected, ValueForms.OutsideAll(["*@example.com", "*.internal"], value));
    }

    [Theory]
    [InlineData("https://api.example.com/x", false)]
    [InlineData("https://api.example.com", false)]
    [InlineData("https://evil.com/.example.com/", true)]
    [InlineData("https://evil.com/?.example.com/", true)]
    [InlineData("https://evil.com\\.example.com/", true)]
    [InlineData("https://evil.com%2F.example.com/", true)]
    public void OutsideAll_UrlAllowlistHostNamedInThePathOrQuery_Triggers(string url, bool expected)
    {
        Assert.Equal(expected, ValueForms.OutsideAll(["https://*.example.com/*"], url));
    }

    [Theory]
    [InlineData("*.example.com", "api.example.com", true)]
    [InlineData("*.example.com", "https://api.example.com/x", true)]
    [InlineData("*.example.com", "user@api.example.com:8443", true)]
    [InlineData("*.example.com", "https://evil.com/.example.com", false)]
    [InlineData("*.example.com", "evil.com/.example.com", false)]
    [InlineData("*.example.com", "evil.com?.example.com", false)]
    [InlineData("*.example.com", "evil.com%2F.example.com", false)]
    [InlineData("*.evil.com", "https://x.evil.com/path", true)]
    [InlineData("http://169.254.169.254/*", "http://[::ffff:a9fe:a9fe]/latest/meta-data", true)]
    [InlineData("169.254.169.254", "[::ffff:169.254.169.254]", true)]
    [InlineData("https://trusted.example*", "https://trusted.example:8443/a", true)]
    [InlineData("https://*", "https://any.example/a?b", true)]
    [InlineData("https://*.example.com", "https://api.example.com/", true)]
    [InlineData("https://*.example.com", "https://api.example.com/x", false)]
    public void GlobMatches_HostOrUrlGlob_NeverRunsFromTheHostIntoThePath(string pattern, string value, bool expected)
    {
        Assert.Equal(expected, ValueForms.GlobMatches(pattern, value));
    }

    [Theory]
    [InlineData("*.example.com", "https://api.example.com%2F@evil.com/", false)]
    [InlineData("*.example.com", "https://api.example.com%2f@evil.com/", false)]
    [InlineData("*.example.com", "https://api.example.com%3F@evil.com/", false)]
    [InlineData("*.example.com", "https://api.example.com%23@evil.com/", false)]
    [InlineData("*.example.com", "https://api.example.com%5C@evil.com/", false)]
    [InlineData("*.example.com", "//api.example.com%2F@evil.com/", false)]
    [InlineData("*.example.com", "api.example.com%2F@evil.com", false)]
    [InlineData("evil.com", "https://api.example.com%2F@evil.com/x", true)]
    [InlineData("169.254.169.254", "http://trusted.example%2F@169.254.169.254/latest/meta-data", true)]
    [InlineData("169.254.169.254", "http://trusted.example%3F@169.254.169.254/latest/meta-data", true)]
    [InlineData("*.example.com", "https://evil.com%2F@api.example.com/", true)]
    public void GlobMatches_HostGlobEncodedDelimiterInUserinfo_ReadsTheHostAfterTheUserinfo(string pattern, string value, bool expected)
    {
        Assert.Equal(expected, ValueForms.GlobMatches(pattern, value));
    }

    [Theory]
    [InlineData("*", "*abc")]
    [InlineData("*@gmail.com", "*x@gmail.com")]
    [InlineData("*@gmail.com", "**@gmail.com")]
    [InlineData("https://paste.evil.test/*", "https://paste.evil.test/*abc")]
    [InlineData("*drop table*", "*/ drop table users")]
    [InlineData("/etc/*", "/etc/*x")]
    [InlineData("a*b*c", "aXb*Yc")]
    [InlineData("a?c", "a*c")]
    public void GlobMatches_ValueHasALiteralStarWhereThePatternHasAWildcard_StillMatches(string pattern, string value)
    {
        Assert.True(ValueForms.GlobMatches(pattern, value));
    }

    [Theory]
    [InlineData("abc", "*")]
    [InlineData("a*c", "a*d")]
    [InlineData("*@gmail.com", "*@evil.com")]
    [InlineData("https://paste.evil.test/*", "https://other.test/*")]
    public void GlobMatches_ValueHasALiteralStar_MatchesNoMoreThanAnyOtherCharacter(string pattern, string value)
    {
        Assert.False(ValueForms.GlobMatches(pattern, value));
    }

    [Theory]
    [InlineData("https://api.example.com%2F@evil.com/")]
    [InlineData("https://api.example.com%3F@evil.com/")]
    [InlineData("https://api.example.com%23@evil.com/")]
    [InlineData("https://api.example.com%5C@evil.com/")]
    public void OutsideAll_HostAllowlistEncodedDelimiterInUserinfo_Triggers(string value)
    {
        Assert.True(ValueForms.OutsideAll(["*.example.com"], value));
    }
}
