using System.Globalization;
using System.Xml.Linq;

namespace Gateway.Policy.Authoring;

/// <summary>Writes fixture results as JUnit XML (one test suite, one test case per fixture) for CI test reports.</summary>
public static class JUnitReport
{
    public static string Write(string suite, IReadOnlyList<FixtureResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var cases = results.Select(r =>
        {
            var element = new XElement("testcase", new XAttribute("name", r.Fixture.Name), new XAttribute("classname", r.Fixture.Source));
            if (!r.Passed)
            {
                element.Add(new XElement("failure", new XAttribute("message", r.Failures[0]), string.Join("\n", r.Failures)));
            }

            return element;
        });
        var document = new XDocument(
            new XDeclaration("1.0", "utf-8", null),
            new XElement(
                "testsuites",
                new XElement(
                    "testsuite",
                    new XAttribute("name", suite),
                    new XAttribute("tests", results.Count.ToString(CultureInfo.InvariantCulture)),
                    new XAttribute("failures", results.Count(r => !r.Passed).ToString(CultureInfo.InvariantCulture)),
                    cases)));
        return document.Declaration + "\n" + document.ToString();
    }
}
