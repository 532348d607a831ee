package io.coedge.cli.charts;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

/** Parses SVG text as XML (failing on anything malformed) and lists what its text elements say. */
public final class SvgText {
    private SvgText() {}

    /**
     * The text of every {@code <text>} element, in document order; throws unless {@code svg} is
     * well-formed SVG.
     */
    public static List<String> texts(String svg) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            Document doc = f.newDocumentBuilder().parse(new InputSource(new StringReader(svg)));
            if (!"svg".equals(doc.getDocumentElement().getLocalName())
                    || !"http://www.w3.org/2000/svg"
                            .equals(doc.getDocumentElement().getNamespaceURI())) {
                throw new AssertionError(
                        "root is not an SVG element: " + doc.getDocumentElement().getTagName());
            }
            NodeList nodes = doc.getElementsByTagNameNS("http://www.w3.org/2000/svg", "text");
            List<String> out = new ArrayList<>();
            for (int i = 0; i < nodes.getLength(); i++) {
                out.add(nodes.item(i).getTextContent());
            }
            return out;
        } catch (ParserConfigurationException | SAXException | IOException e) {
            throw new AssertionError("not well-formed SVG: " + e.getMessage(), e);
        }
    }
}
