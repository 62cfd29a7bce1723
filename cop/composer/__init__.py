"""Writing aids for every formatted text field: the preview (rendered by cop.text, as a
post would be stored) and the formatting help page. The toolbar and the browser draft
are static/js/composer.js."""
